import { Outbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { userDeleted } from '../user-events';
import { User } from '../user.entity';
import { userNotFound } from '../user.errors';

@Injectable()
export class DeleteUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async delete(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const { affected } = await manager.delete(User, { id });
      if (!affected) throw userNotFound(id);
      await this.outbox.add(manager, 'user_deleted', userDeleted(id));
    });
  }
}
