import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';

export type InboxOutcome = 'handled' | 'duplicate';

/**
 * Exactly-once effects over at-least-once delivery: the event id goes into the inbox in the same transaction
 * as the handler's writes. A redelivered event finds its id and does nothing; a failed handler rolls both back.
 * Two consumers racing on one event (a rebalance) serialise on the primary key: the second sees a duplicate.
 */
@Injectable()
export class Inbox {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  handleOnce(event: EventEnvelope, work: (manager: EntityManager) => Promise<void>): Promise<InboxOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO inbox (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [event.id, event.type],
      );
      if (inserted.length === 0) return 'duplicate';
      await work(manager);
      return 'handled';
    });
  }

  /** For a rebuild from the log: forgets every handled event, in the caller's transaction. */
  async clear(manager: EntityManager): Promise<void> {
    await manager.query(`TRUNCATE inbox`);
  }
}
