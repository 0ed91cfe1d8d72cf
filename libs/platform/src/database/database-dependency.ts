import { DependencyHealth } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The service's database as a dependency: a handler failing while it does not answer is waiting, not broken. */
@Injectable()
export class DatabaseDependency implements OnModuleInit {
  constructor(
    private readonly dependencies: DependencyHealth,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.dependencies.register('database', () => this.dataSource.query('SELECT 1'));
  }
}
