import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatchScope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';

/**
 * One database transaction around a run of consumed records (ConsumerRuntime's batch scope, provided as
 * CONSUMER_BATCH_SCOPE by a service whose handlers allow it): the inbox rows and the writes of every record of
 * the run commit together, one round trip and one WAL flush for the run instead of one per record. A failure
 * rolls the whole run back, and the runtime then handles its records one by one, each in a transaction of its own.
 */
@Injectable()
export class BatchTransaction {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  readonly scope: BatchScope = (work) => this.dataSource.transaction((manager) => this.storage.run(manager, work));

  /** The transaction of the run being handled; undefined outside a batch scope. */
  current(): EntityManager | undefined {
    return this.storage.getStore();
  }
}
