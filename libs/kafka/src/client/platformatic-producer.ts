import type { Producer } from '@platformatic/kafka';
import { TransientError } from '@kafka-platform/core';
import type { KafkaProducerPort, OutgoingRecord, ProducedRecord } from './kafka-ports';
import { partitionForKey } from './murmur2';
import { recordOffsets } from './record-offsets';
import { authenticationFailure, brokerRefusal, isUnknownTopic, reach, unknownTopic } from './platformatic-errors';

// The idempotent producer's state (its id, epoch and sequence numbers) no longer matched the broker's. The library
// recovers from UNKNOWN_PRODUCER_ID and OUT_OF_ORDER_SEQUENCE_NUMBER once by itself (a new producer id, the batch
// sent again), and after any failed send it drops its id and sequences so that the next send starts clean
// (clients/producer/producer.js, #performSend). What still reaches us was refused, not written: the write is to be
// retried, which is what the kafkajs adapter says for the same answers.
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/**
 * KafkaProducerPort on @platformatic/kafka's Producer, created idempotent (which the library pairs with acks=all
 * and one request in flight per broker connection, so a retried batch can neither be duplicated nor overtake the
 * next one).
 */
export class PlatformaticProducer implements KafkaProducerPort {
  // Records without a key go round-robin over the topic's partitions, as kafkajs' default partitioner does.
  private readonly unkeyed = new Map<string, number>();
  private producer?: Producer;
  private connection?: Promise<void>;

  /** `create` makes a new library producer: one per connect after a disconnect, as a closed one never reopens. */
  constructor(private readonly create: () => Producer) {}

  /**
   * Connects once (a metadata request, then the idempotent producer's id, so that a broker that cannot be reached
   * or refuses the producer fails here as with kafkajs); a failed attempt is forgotten, so a producer made while
   * Kafka was down connects later.
   */
  connect(): Promise<void> {
    this.connection ??= this.connectOnce().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async connectOnce(): Promise<void> {
    const producer = this.current();
    await reach(producer);
    await producer.initIdempotentProducer({});
  }

  async disconnect(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.connection = undefined;
    await producer?.close();
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<ProducedRecord[]> {
    await this.connect();
    if (records.length === 0) return [];
    const producer = this.current();
    const count = await this.partitionCount(producer, topic);
    // Partitions are assigned here, as the Java client's default partitioner (and the kafkajs adapter) does
    // (murmur2 of the key): both clients put a key on the same partition, and each record's partition is known,
    // so its offset is too (the library reports one base offset per partition).
    const messages = records.map(({ key, value, headers }) => {
      const bytes = typeof key === 'string' ? Buffer.from(key) : key;
      return {
        topic,
        key: bytes ?? undefined,
        // The library writes an absent value as a null one: a tombstone.
        value: value ?? undefined,
        headers: headerBytes(headers),
        partition: bytes === null ? this.nextUnkeyed(topic, count) : partitionForKey(bytes, count),
      };
    });
    const result = await producer.send({ messages, acks: -1 }).catch((error: unknown) => {
      throw failedSend(topic, error);
    });
    const baseOffsets = new Map<number, bigint>();
    for (const written of result.offsets ?? []) {
      if (written.topic === topic) baseOffsets.set(written.partition, written.offset);
    }
    return recordOffsets(
      topic,
      messages.map((message) => message.partition),
      baseOffsets,
    );
  }

  private current(): Producer {
    this.producer ??= this.create();
    return this.producer;
  }

  /**
   * The topic's partition count from the library's metadata cache (refreshed after 5 s), so growth is seen. One
   * retry only: the library retries an unknown topic like a moving leader (5 times, ~6 s), where kafkajs answers at
   * once; one short retry still covers a broker that answers "unknown" for a moment after creating the topic.
   */
  private async partitionCount(producer: Producer, topic: string): Promise<number> {
    const metadata = await producer.metadata({ topics: [topic], retries: 1 }).catch((error: unknown) => {
      // Only a missing topic is final; a broker that does not answer stays a retryable failure.
      throw isUnknownTopic(error) ? unknownTopic(topic, error) : error;
    });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (count === 0) throw unknownTopic(topic);
    return count;
  }

  private nextUnkeyed(topic: string, count: number): number {
    const next = this.unkeyed.get(topic) ?? 0;
    this.unkeyed.set(topic, next + 1);
    return next % count;
  }
}

/** The error a failed send reports: a missing topic, a stale producer state, Kafka's refusal, or the raw failure. */
function failedSend(topic: string, error: unknown): Error {
  if (isUnknownTopic(error)) return unknownTopic(topic, error);
  const refused = authenticationFailure(error);
  if (refused) return refused;
  const refusal = brokerRefusal(error);
  if (refusal && PRODUCER_STATE_ERRORS.has(refusal.code)) {
    return new TransientError(
      'PRODUCER_STATE_RESET',
      `The idempotent producer's state went stale (${refusal.code}); the producer starts over with a new id, retry the write`,
      { cause: refusal },
    );
  }
  // A network failure stays as the library reports it: classifyError reads it as transient.
  return refusal ?? (error instanceof Error ? error : new Error(String(error)));
}

// Header names and values go on the wire as bytes; the library's default serialisers pass Buffers through.
function headerBytes(headers: Readonly<Record<string, string>>): Map<Buffer, Buffer> {
  const bytes = new Map<Buffer, Buffer>();
  for (const name in headers) bytes.set(Buffer.from(name), Buffer.from(headers[name] as string));
  return bytes;
}
