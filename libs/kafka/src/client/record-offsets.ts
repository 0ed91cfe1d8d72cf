import { TransientError } from '@kafka-platform/core';
import type { ProducedRecord } from './kafka-ports';

/**
 * Each record's offset from the base offset Kafka confirmed per partition (records of one partition are written in
 * order, so the n-th record of a partition in a send sits at base + n).
 *
 * A send is only a success when Kafka confirmed every partition written to. kafkajs can resolve a send without
 * having written one: when a partition's leader moves to a broker that already answered for other partitions of
 * the same send, its retry skips that broker (it keys its retries by broker), and the moved partition's records are
 * silently dropped. Found by the fault suite (a broker killed mid-burst lost one acknowledged outbox row). Either
 * client's caller then retries the send, and a partition that did land gets a duplicate with the same event id.
 */
export function recordOffsets(
  topic: string,
  partitions: readonly number[],
  baseOffsets: Map<number, bigint>,
): ProducedRecord[] {
  const unconfirmed = [...new Set(partitions)].filter((partition) => !baseOffsets.has(partition));
  if (unconfirmed.length > 0) throw unconfirmedWrite(topic, unconfirmed);
  const next = new Map(baseOffsets);
  return partitions.map((partition) => {
    const offset = next.get(partition) ?? 0n;
    next.set(partition, offset + 1n);
    return { topic, partition, offset: String(offset) };
  });
}

const unconfirmedWrite = (topic: string, partitions: readonly number[]) =>
  new TransientError(
    'KAFKA_WRITE_UNCONFIRMED',
    `Kafka confirmed no write for partition(s) ${partitions.join(', ')} of ${topic} (a leader moved during the send); retry it`,
  );
