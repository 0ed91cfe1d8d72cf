import { SpanKind, isSpanContextValid } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import type { KafkaProducerPort, OutgoingRecord, ProducedRecord } from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import type { EventContract } from '../contract/event-contract';
import { HEADER, newEnvelope, toHeaders } from '../envelope/event-envelope';
import type { EnvelopeOrigin, EventEnvelope } from '../envelope/event-envelope';
import type { KafkaMetrics } from '../metrics/kafka-metrics';
import {
  MESSAGING,
  contextWithParent,
  platformTracer,
  recordFailure,
  remoteSpanContext,
  toTraceparent,
} from '../tracing/tracing';

export interface PublishOptions extends EnvelopeOrigin {
  /** Schema version to write; the catalog's latest by default. */
  readonly version?: number;
}

export interface EventToPublish {
  readonly type: string;
  readonly payload: unknown;
  readonly options?: PublishOptions;
}

export interface PublishedEvent extends ProducedRecord {
  readonly eventId: string;
  readonly envelope: EventEnvelope;
}

/** An event encoded and addressed, ready to send. */
export interface PreparedEvent {
  readonly topic: string;
  readonly envelope: EventEnvelope;
  readonly record: OutgoingRecord;
}

/** What became of one prepared event: published, or the error of its topic's request. */
export type SendOutcome =
  { readonly ok: true; readonly published: PublishedEvent } | { readonly ok: false; readonly error: unknown };

/** Publishes domain events: envelope, Avro encoding, key = aggregate id, topic from the catalog. */
export class EventPublisher {
  constructor(
    private readonly producer: KafkaProducerPort,
    private readonly codec: AvroCodec,
    private readonly contract: EventContract,
    private readonly metrics?: KafkaMetrics,
  ) {}

  async publish(type: string, payload: unknown, options: PublishOptions = {}): Promise<PublishedEvent> {
    const [published] = await this.publishAll([{ type, payload, options }]);
    return published as PublishedEvent;
  }

  /** Encodes all events concurrently, then sends one request per topic; results keep the input order. */
  async publishAll(events: readonly EventToPublish[]): Promise<PublishedEvent[]> {
    const outcomes = await this.send(await Promise.all(events.map((event) => this.prepare(event))));
    return outcomes.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.published;
    });
  }

  /** Builds the envelope, then prepares it (see prepareEnvelope). */
  prepare({ type, payload, options = {} }: EventToPublish): Promise<PreparedEvent> {
    const version = options.version ?? this.contract.latestVersion(type);
    return this.prepareEnvelope(newEnvelope(type, version, this.contract.keyOf(type, payload), payload, options));
  }

  /**
   * An envelope built before, as it is (the outbox stores the one it built at write time): encodes the payload
   * (registry lookups are cached), finds the topic, and writes the envelope into the record's headers.
   */
  async prepareEnvelope(envelope: EventEnvelope): Promise<PreparedEvent> {
    const value =
      envelope.payload === null && this.contract.allowsTombstone?.(envelope.type) === true
        ? null
        : await this.codec.encode(envelope.type, envelope.version, envelope.payload);
    const record = { key: envelope.key, value, headers: toHeaders(envelope) };
    return { topic: this.contract.topicOf(envelope.type), envelope, record };
  }

  /**
   * Sends prepared events, one request per topic (in order within a topic); a topic whose request fails fails
   * its own events only. Outcomes keep the input order. Each record gets a PRODUCER span, the child of the trace
   * its envelope carries (for the outbox: the write's), and its `traceparent` header names that span.
   */
  async send(prepared: readonly PreparedEvent[]): Promise<SendOutcome[]> {
    const byTopic = new Map<string, PreparedEvent[]>();
    for (const item of prepared) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
    const outcomes = new Map<PreparedEvent, SendOutcome>();
    for (const [topic, items] of byTopic) {
      const spans = items.map((item) => startProducerSpan(item));
      try {
        const produced = await this.producer.send(
          topic,
          items.map((item, index) => withSpanHeader(item.record, spans[index] as Span)),
        );
        items.forEach((item, index) => {
          const record = produced[index] as ProducedRecord;
          const published = { ...record, eventId: item.envelope.id, envelope: item.envelope };
          outcomes.set(item, { ok: true, published });
          this.metrics?.produced.inc({ topic, type: item.envelope.type });
          spans[index]?.setAttributes({
            [MESSAGING.partition]: String(record.partition),
            [MESSAGING.offset]: Number(record.offset),
          });
        });
      } catch (error) {
        for (const item of items) outcomes.set(item, { ok: false, error });
        for (const span of spans) recordFailure(span, error);
      } finally {
        for (const span of spans) span.end();
      }
    }
    return prepared.map((item) => outcomes.get(item) as SendOutcome);
  }
}

/** The `send` span of one record (OpenTelemetry's messaging conventions), not ended. */
function startProducerSpan({ topic, envelope }: PreparedEvent): Span {
  const parent = contextWithParent(remoteSpanContext(envelope.traceparent));
  return platformTracer.startSpan(
    `send ${topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [MESSAGING.system]: 'kafka',
        [MESSAGING.operationName]: 'send',
        [MESSAGING.operationType]: 'send',
        [MESSAGING.destination]: topic,
        [MESSAGING.messageId]: envelope.id,
        [MESSAGING.key]: envelope.key,
        [MESSAGING.eventType]: envelope.type,
      },
    },
    parent,
  );
}

/** The record with its traceparent pointing at its producer span, so consumers' spans descend from it. */
function withSpanHeader(record: OutgoingRecord, span: Span): OutgoingRecord {
  const spanContext = span.spanContext();
  // No span to name (no SDK, and the envelope's traceparent unreadable): the envelope's header goes as it is.
  if (!isSpanContextValid(spanContext)) return record;
  return { ...record, headers: { ...record.headers, [HEADER.traceparent]: toTraceparent(spanContext) } };
}
