import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { BatchTransaction } from './batch-transaction';

export type InboxOutcome = 'handled' | 'duplicate';

/**
 * Exactly-once effects over at-least-once delivery: the event id goes into the inbox in the same transaction
 * as the handler's writes. A redelivered event finds its id and does nothing; a failed handler rolls both back.
 * Two consumers racing on one event (a rebalance) serialise on the primary key: the second sees a duplicate.
 */
@Injectable()
export class Inbox {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly batch: BatchTransaction,
  ) {}

  /** In a transaction of its own, or in the batch's when the record is handled under a BatchTransaction scope. */
  handleOnce(event: EventEnvelope, work: (manager: EntityManager) => Promise<void>): Promise<InboxOutcome> {
    const batch = this.batch.current();
    if (batch) return this.handleOnceIn(batch, event, work);
    return this.dataSource.transaction((manager) => this.handleOnceIn(manager, event, work));
  }

  /**
   * The same in the caller's transaction, e.g. to apply one event to several read models (each with its own inbox
   * table, found through the transaction's search_path) atomically. If `work` fails, the caller must roll back.
   */
  async handleOnceIn(
    manager: EntityManager,
    event: EventEnvelope,
    work: (manager: EntityManager) => Promise<void>,
  ): Promise<InboxOutcome> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO inbox (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [event.id, event.type],
    );
    if (inserted.length === 0) return 'duplicate';
    await work(manager);
    return 'handled';
  }
}
