// A decoded tail for people: each record's key, headers and Avro payload, one line each, as Kafka's console
// consumer prints them with print.key/print.headers, but with the value decoded through the schema registry.
import { randomUUID } from 'node:crypto';
import { PlatformError } from '@kafka-platform/core';
import type { ConsumedRecord, KafkaClientPort } from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import { HEADER } from '../envelope/event-envelope';

export interface TailOptions {
  /** From the earliest offset still in the log; otherwise only records produced from now on. */
  readonly fromBeginning: boolean;
  /** Stop after this many records; otherwise run until `signal` aborts. */
  readonly max?: number;
  readonly signal?: AbortSignal;
}

/**
 * The value as written: decoded with the schema version its header names, so the line shows what the producer
 * wrote, not what some reader would resolve it to. What cannot be decoded is named, not fatal: a tail is for
 * looking at a topic, poison records included.
 */
export async function decodeValue(codec: AvroCodec, record: ConsumedRecord): Promise<string> {
  if (record.value === null) return 'null';
  const type = record.headers[HEADER.eventType];
  const version = Number(record.headers[HEADER.schemaVersion]);
  if (!type || !Number.isInteger(version)) {
    return `<${record.value.length} bytes without ${HEADER.eventType}/${HEADER.schemaVersion} headers>`;
  }
  try {
    return JSON.stringify(await codec.decode(record.value, type, version));
  } catch (error) {
    return `<not decodable as ${type} v${version}: ${(error as Error).message}>`;
  }
}

/** The console consumer's layout (tab-separated, headers as name:value,...), with the value decoded. */
export function formatRecord(record: ConsumedRecord, value: string): string {
  const headers = Object.entries(record.headers).map(([name, header]) => `${name}:${header}`);
  return [
    `CreateTime:${record.timestamp}`,
    `Partition:${record.partition}`,
    `Offset:${record.offset}`,
    headers.join(',') || 'NO_HEADERS',
    record.key?.toString('utf8') ?? 'null',
    value,
  ].join('\t');
}

/**
 * Prints the records of a topic until `max` records or the signal. A throwaway group that never commits reads
 * it, and is deleted afterwards, so a tail never moves a service's offsets or leaves a group behind.
 * Resolves with the number of records printed.
 */
export async function tailTopic(
  client: KafkaClientPort,
  codec: AvroCodec,
  topic: string,
  options: TailOptions,
  print: (line: string) => void,
): Promise<number> {
  await assertTopicExists(client, topic);
  const groupId = `tail-${randomUUID()}`;
  const consumer = client.consumer(groupId);
  let printed = 0;
  const reachedMax = () => options.max !== undefined && printed >= options.max;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  options.signal?.addEventListener('abort', () => stop(), { once: true });
  await consumer.connect();
  try {
    await consumer.subscribe([topic], { fromBeginning: options.fromBeginning });
    await consumer.run({
      concurrency: 1,
      eachBatch: async (batch, control) => {
        for (const record of batch.records) {
          if (reachedMax()) break;
          print(formatRecord(record, await decodeValue(codec, record)));
          control.markDone(record.offset);
          printed += 1;
        }
        if (reachedMax()) stop();
      },
    });
    if (!reachedMax() && !options.signal?.aborted) await stopped;
  } finally {
    await consumer.disconnect();
    await deleteGroup(client, groupId);
  }
  return printed;
}

async function assertTopicExists(client: KafkaClientPort, topic: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new PlatformError('UNKNOWN_TOPIC', `Topic "${topic}" does not exist`, false);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Best effort: a group with no offsets expires by itself anyway; deleting it only keeps group listings clean. */
async function deleteGroup(client: KafkaClientPort, groupId: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  await admin.deleteGroup(groupId).catch(() => undefined);
  await admin.disconnect();
}
