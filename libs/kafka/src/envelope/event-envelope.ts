import { randomUUID } from 'node:crypto';
import type { Headers } from '../client/kafka-ports';
import { PoisonRecordError } from '../errors/platform-error';
import { activeTraceparent } from '../tracing/tracing';
import { randomHex } from './random-hex';

/** An event is a past-tense fact; the envelope carries what every consumer needs besides the payload. */
export interface EventEnvelope<T = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly correlationId: string;
  /** The id of the event that caused this one; null for a cause outside Kafka (an HTTP request). */
  readonly causationId: string | null;
  /** W3C trace context, so traces follow the event across services. */
  readonly traceparent: string;
  /**
   * The event's position among its aggregate's events (the outbox row id): strictly increasing per key, so a
   * consumer that sees two events of one key out of order (a DLQ redrive, a rebuild) can tell which is newer.
   * Absent on events not published through an outbox.
   */
  readonly sequence?: string;
  readonly key: string;
  readonly payload: T;
}

export const HEADER = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  occurredAt: 'occurred-at',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  traceparent: 'traceparent',
  sequence: 'event-sequence',
} as const;

export interface EnvelopeOrigin {
  readonly eventId?: string;
  readonly occurredAt?: Date;
  readonly correlationId?: string;
  /** The event being handled when this one is published: correlation and trace carry over from it. */
  readonly causedBy?: Pick<EventEnvelope, 'id' | 'correlationId' | 'traceparent'>;
  /** An explicit cause, for an envelope rebuilt from storage (an outbox row) rather than from a live event. */
  readonly causationId?: string | null;
  readonly traceparent?: string;
  readonly sequence?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

/** A child span of the parent trace when there is one, else a new sampled trace. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  return match ? `00-${match[1]}-${randomHex(8)}-${match[2]}` : `00-${randomHex(16)}-${randomHex(8)}-01`;
}

export function newEnvelope<T>(
  type: string,
  version: number,
  key: string,
  payload: T,
  origin: EnvelopeOrigin = {},
): EventEnvelope<T> {
  const id = origin.eventId ?? randomUUID();
  return {
    id,
    type,
    version,
    occurredAt: (origin.occurredAt ?? new Date()).toISOString(),
    correlationId: origin.correlationId ?? origin.causedBy?.correlationId ?? id,
    causationId: origin.causedBy?.id ?? origin.causationId ?? null,
    // The span running now (a request's, a consumed record's) is the event's parent when there is one.
    traceparent: origin.traceparent ?? activeTraceparent() ?? childTraceparent(origin.causedBy?.traceparent),
    ...(origin.sequence !== undefined && { sequence: origin.sequence }),
    key,
    payload,
  };
}

export function toHeaders(envelope: EventEnvelope): Headers {
  return {
    [HEADER.eventId]: envelope.id,
    [HEADER.eventType]: envelope.type,
    [HEADER.schemaVersion]: String(envelope.version),
    [HEADER.occurredAt]: envelope.occurredAt,
    [HEADER.correlationId]: envelope.correlationId,
    ...(envelope.causationId && { [HEADER.causationId]: envelope.causationId }),
    [HEADER.traceparent]: envelope.traceparent,
    ...(envelope.sequence !== undefined && { [HEADER.sequence]: envelope.sequence }),
  };
}

export type EnvelopeMetadata = Omit<EventEnvelope, 'key' | 'payload'>;

/** Reads the envelope headers of a consumed record; a record without them cannot be routed and is poison. */
export function fromHeaders(headers: Headers): EnvelopeMetadata {
  const required = (name: string) => {
    const value = headers[name];
    if (!value) throw new PoisonRecordError('MISSING_HEADER', `Record has no "${name}" header`);
    return value;
  };
  const version = Number(required(HEADER.schemaVersion));
  if (!Number.isInteger(version) || version < 1) {
    throw new PoisonRecordError(
      'MISSING_HEADER',
      `Header "${HEADER.schemaVersion}" is not a version: ${headers[HEADER.schemaVersion]}`,
    );
  }
  const id = required(HEADER.eventId);
  return {
    id,
    type: required(HEADER.eventType),
    version,
    occurredAt: required(HEADER.occurredAt),
    correlationId: headers[HEADER.correlationId] ?? id,
    causationId: headers[HEADER.causationId] ?? null,
    traceparent: headers[HEADER.traceparent] ?? childTraceparent(),
    ...(headers[HEADER.sequence] && { sequence: headers[HEADER.sequence] }),
  };
}
