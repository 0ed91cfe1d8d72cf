import type { EventType, LatestEventPayload } from '@kafka-platform/events';
import {
  AvroCodec,
  EVENT_CONTRACT,
  HEADER,
  MESSAGING,
  activeTraceparent,
  newEnvelope,
  toHeaders,
  traced,
} from '@kafka-platform/kafka';
import { correlation } from '@kafka-platform/core';
import type { EventContract, EventEnvelope } from '@kafka-platform/kafka';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OUTBOX_RELAY_MODE, UNCAUSED_ROUTE_SUFFIX } from './cdc/outbox-relay-mode';
import type { OutboxRelayMode } from './cdc/outbox-relay-mode';

export const OUTBOX_CHANNEL = 'outbox_pending';

/** What an outbox row stores besides the envelope's columns (id, type, version, key, payload): the rest of it. */
export interface StoredMetadata {
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string;
}

/**
 * Records an event in the caller's transaction instead of sending it: the state change and its event commit
 * together or not at all (no dual write). The envelope is built once, here: the row stores it, and the relay
 * publishes it as stored (the same event id, times, correlation and trace), so a re-publish after a crash is
 * recognised by consumers' inboxes.
 */
@Injectable()
export class Outbox {
  constructor(
    @Inject(EVENT_CONTRACT) private readonly contract: EventContract,
    private readonly codec: AvroCodec,
    @Inject(OUTBOX_RELAY_MODE) private readonly mode: OutboxRelayMode,
  ) {}

  /**
   * Always the catalog's latest version, the one producers write: the event's name decides its payload type, so a
   * missing, extra or mistyped field is a compile error. The schema still checks the payload at run time, for
   * callers that hold a value the compiler could not see (parsed JSON, a cast).
   */
  async add<T extends EventType>(
    manager: EntityManager,
    type: T,
    payload: LatestEventPayload<T>,
  ): Promise<EventEnvelope<LatestEventPayload<T>>> {
    const attributes = {
      [MESSAGING.system]: 'kafka',
      [MESSAGING.destination]: this.contract.topicOf(type),
      [MESSAGING.eventType]: type,
    };
    // A span of its own (a child of the request's or the consumed record's), so the row's traceparent names the
    // write and the relay's producer span descends from it.
    return traced(`outbox write ${type}`, { attributes }, async (span) => {
      const envelope = await this.write(manager, type, payload);
      span.setAttributes({ [MESSAGING.messageId]: envelope.id, [MESSAGING.key]: envelope.key });
      return envelope;
    });
  }

  /**
   * Records a tombstone for `key` on the topic of a compacted type that allows one (the catalog's
   * `tombstoneWhenDeleted`, e.g. user_key): published with a null value, in order with the key's other rows, so
   * compaction removes every earlier record of the key.
   */
  async tombstone(manager: EntityManager, type: EventType, key: string): Promise<EventEnvelope<null>> {
    if (this.contract.allowsTombstone?.(type) !== true) {
      throw new Error(`${type} does not allow tombstones: its catalog entry has no tombstoneWhenDeleted`);
    }
    return traced(`outbox write ${type} tombstone`, {}, () => this.write(manager, type, null, key));
  }

  private async write<T extends EventType, P extends LatestEventPayload<T> | null>(
    manager: EntityManager,
    type: T,
    payload: P,
    tombstoneKey?: string,
  ): Promise<EventEnvelope<P>> {
    const version = this.contract.latestVersion(type);
    // A payload the schema refuses would block its key's queue forever: refuse it now, with the transaction.
    if (payload !== null) await this.codec.validate(type, version, payload);
    const scope = correlation.current();
    // The write's span when tracing runs; else the consumed event's trace, else a new one (newEnvelope).
    const traceparent = activeTraceparent() ?? scope?.traceparent;
    const key = tombstoneKey ?? this.contract.keyOf(type, payload);
    const envelope = newEnvelope(type, version, key, payload, {
      ...(scope?.correlationId && { correlationId: scope.correlationId }),
      ...(scope?.causedBy && { causedBy: scope.causedBy }),
      ...(traceparent && { traceparent }),
    });
    if (this.mode === 'cdc') {
      await this.writeRecord(manager, envelope);
      return envelope;
    }
    const metadata: StoredMetadata = {
      occurredAt: envelope.occurredAt,
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      traceparent: envelope.traceparent,
    };
    // The NOTIFY is delivered at commit only, so the relay wakes for rows it can see; nothing is sent for a
    // rollback. One statement for both: a round trip less inside the caller's transaction.
    await manager.query(
      `WITH row AS (
         INSERT INTO outbox (event_id, event_type, version, key, payload, metadata) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING 1)
       SELECT pg_notify($7, '') FROM row`,
      [envelope.id, type, version, envelope.key, JSON.stringify(payload), JSON.stringify(metadata), OUTBOX_CHANNEL],
    );
    return envelope;
  }

  /**
   * CDC mode: the Kafka record itself, encoded now (the registry must answer at write time: the price of a relay
   * that cannot run the platform's Avro encoder), in `outbox_cdc`. Debezium reads the insert from the WAL and
   * publishes the columns as they are: the same key, value bytes and headers the polling relay would send, with
   * `event-sequence` from the row id. The row is deleted in the same transaction: the WAL keeps the insert.
   */
  private async writeRecord(manager: EntityManager, envelope: EventEnvelope): Promise<void> {
    const value = await this.codec.encode(envelope.type, envelope.version, envelope.payload);
    const headers = toHeaders(envelope);
    const topic = this.contract.topicOf(envelope.type);
    const route = envelope.causationId === null ? `${topic}${UNCAUSED_ROUTE_SUFFIX}` : topic;
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO outbox_cdc (route, key, value, event_id, event_type, schema_version, occurred_at, correlation_id,
                               causation_id, traceparent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        route,
        envelope.key,
        value,
        headers[HEADER.eventId],
        headers[HEADER.eventType],
        headers[HEADER.schemaVersion],
        headers[HEADER.occurredAt],
        headers[HEADER.correlationId],
        headers[HEADER.causationId] ?? null,
        headers[HEADER.traceparent],
      ],
    );
    await manager.query(`DELETE FROM outbox_cdc WHERE id = $1`, [row?.id]);
  }
}
