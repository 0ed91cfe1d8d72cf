import type { KafkaProducerPort, ProducedRecord } from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import type { EventContract } from '../contract/event-contract';
import { newEnvelope, toHeaders } from '../envelope/event-envelope';
import type { EnvelopeOrigin, EventEnvelope } from '../envelope/event-envelope';
import type { KafkaMetrics } from '../metrics/kafka-metrics';

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
    const prepared = await Promise.all(events.map((event) => this.prepare(event)));
    const byTopic = new Map<string, typeof prepared>();
    for (const item of prepared) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
    const results = new Map<(typeof prepared)[number], PublishedEvent>();
    for (const [topic, items] of byTopic) {
      const produced = await this.producer.send(
        topic,
        items.map((item) => item.record),
      );
      items.forEach((item, index) => {
        const record = produced[index] as ProducedRecord;
        results.set(item, { ...record, eventId: item.envelope.id, envelope: item.envelope });
        this.metrics?.produced.inc({ topic, type: item.envelope.type });
      });
    }
    return prepared.map((item) => results.get(item) as PublishedEvent);
  }

  private async prepare({ type, payload, options = {} }: EventToPublish) {
    const version = options.version ?? this.contract.latestVersion(type);
    const topic = this.contract.topicOf(type);
    const envelope = newEnvelope(type, version, this.contract.keyOf(type, payload), payload, options);
    const value = await this.codec.encode(type, version, payload);
    return { topic, envelope, record: { key: envelope.key, value, headers: toHeaders(envelope) } };
  }
}
