import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { compareEvents, positionOf } from './event-order';
import type { EventPosition } from './event-order';

/** What the events applied so far say about the key of the event at hand (see AggregateVersions.record). */
export interface KeyVerdict {
  /** The key is deleted: its deletion was applied, by this event or an earlier one, in whatever order they came. */
  readonly deleted: boolean;
  /** This event is the first deletion of the key to be applied (a deletion counted here counts once). */
  readonly deletedNow: boolean;
  /** No event applied before for the key is newer than this one (see compareEvents): its state may win. */
  readonly newest: boolean;
}

export interface RecordOptions {
  /** The event deletes its aggregate: the key gets a tombstone that stays, as ids are never reused. */
  readonly deletion?: boolean;
}

interface StoredVersion {
  readonly sequence: string | null;
  readonly occurred_at: Date | null;
  readonly event_id: string | null;
  readonly deleted: boolean;
}

/**
 * Per aggregate key (the record key: the catalog's key field), the newest event applied and whether the aggregate
 * was deleted. Kafka keeps a key's events in order, but a DLQ redrive, a rebuild or a second consumer group can
 * apply them in another order; with this verdict a handler writes projections that end up the same whatever the
 * order of arrival, equal to applying the log in order:
 * - state carried by the event (a profile) is written only when `newest`, so an older event never overwrites it;
 * - nothing personal is written once `deleted`, and the deletion removes what is there: a late event of a deleted
 *   aggregate leaves nothing behind;
 * - counts of distinct facts count once (`deletedNow`, or an insert that did not conflict).
 *
 * Call it inside the inbox transaction (Inbox.handleOnce) of the event, before the handler's writes: the row lock
 * it takes on the key serialises concurrent events of one key until the transaction ends. The table lives beside
 * the inbox (CreateAggregateVersions1764200000000); it holds ids and positions only, no personal data.
 */
@Injectable()
export class AggregateVersions {
  async record(manager: EntityManager, event: EventEnvelope, options: RecordOptions = {}): Promise<KeyVerdict> {
    const position = positionOf(event);
    const deletion = options.deletion ?? false;
    const first: unknown[] = await manager.query(
      `INSERT INTO aggregate_versions (key, sequence, occurred_at, event_id, deleted_at)
       VALUES ($1, $2::numeric, $3::timestamptz, $4, CASE WHEN $5::boolean THEN now() END)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [event.key, position.sequence?.toString() ?? null, position.occurredAt, position.eventId, deletion],
    );
    if (first.length > 0) return { newest: true, deleted: deletion, deletedNow: deletion };
    return this.recordAfter(manager, event.key, position, deletion);
  }

  /** The key has a row already: compare with it under its row lock, and move it forward when this event is newer. */
  private async recordAfter(
    manager: EntityManager,
    key: string,
    position: EventPosition,
    deletion: boolean,
  ): Promise<KeyVerdict> {
    const [stored]: StoredVersion[] = await manager.query(
      `SELECT sequence::text AS sequence, occurred_at, event_id, deleted_at IS NOT NULL AS deleted
         FROM aggregate_versions WHERE key = $1 FOR UPDATE`,
      [key],
    );
    const newest = !stored?.occurred_at || compareEvents(position, storedPosition(stored)) > 0;
    const deletedNow = deletion && !stored?.deleted;
    if (newest || deletedNow) {
      await manager.query(
        `UPDATE aggregate_versions SET
            sequence = CASE WHEN $5::boolean THEN $2::numeric ELSE sequence END,
            occurred_at = CASE WHEN $5::boolean THEN $3::timestamptz ELSE occurred_at END,
            event_id = CASE WHEN $5::boolean THEN $4::uuid ELSE event_id END,
            deleted_at = CASE WHEN $6::boolean THEN coalesce(deleted_at, now()) ELSE deleted_at END
          WHERE key = $1`,
        [key, position.sequence?.toString() ?? null, position.occurredAt, position.eventId, newest, deletion],
      );
    }
    return { newest, deleted: deletion || Boolean(stored?.deleted), deletedNow };
  }
}

function storedPosition(stored: StoredVersion): EventPosition {
  return {
    ...(stored.sequence !== null && { sequence: BigInt(stored.sequence) }),
    occurredAt: stored.occurred_at as Date,
    eventId: stored.event_id ?? '',
  };
}
