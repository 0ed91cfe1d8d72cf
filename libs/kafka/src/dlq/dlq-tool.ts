import { randomUUID } from 'node:crypto';
import type { ConsumedRecord, KafkaClientPort } from '../client/kafka-ports';
import { PlatformError } from '@kafka-platform/core';
import { DLQ_HEADER, redriveHeaders } from './dead-letter';

export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly eventType?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly reason?: string;
  readonly source?: string;
  readonly attempts?: number;
  readonly failedAt?: string;
}

const summarize = (record: ConsumedRecord): DeadLetter => ({
  partition: record.partition,
  offset: record.offset,
  key: record.key?.toString('utf8') ?? null,
  eventType: record.headers['event-type'],
  errorCode: record.headers[DLQ_HEADER.errorCode],
  errorMessage: record.headers[DLQ_HEADER.errorMessage],
  reason: record.headers[DLQ_HEADER.reason],
  source: `${record.headers[DLQ_HEADER.sourceTopic]}/${record.headers[DLQ_HEADER.sourcePartition]}/${record.headers[DLQ_HEADER.sourceOffset]}`,
  attempts: Number(record.headers[DLQ_HEADER.attempts]),
  failedAt: record.headers[DLQ_HEADER.failedAt],
});

/**
 * Reads a topic from a group's committed offsets (or the start) up to the end it has now, handing each record
 * to `visit`; commits what was visited when `commit` is set. Stops by itself at the end.
 */
async function readToEnd(
  client: KafkaClientPort,
  topic: string,
  groupId: string,
  commit: boolean,
  visit: (record: ConsumedRecord) => Promise<void>,
): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  const ends = await (async () => {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new PlatformError('UNKNOWN_TOPIC', `Dead-letter topic "${topic}" does not exist`, false);
    }
    return admin.groupOffsets(groupId, topic);
  })().finally(() => admin.disconnect());
  const remaining = new Map(
    ends
      .filter((p) => BigInt(p.logEnd) > (p.committed === '-1' ? 0n : BigInt(p.committed)))
      .map((p) => [p.partition, BigInt(p.logEnd)]),
  );
  if (remaining.size === 0) return;
  const consumer = client.consumer(groupId);
  await consumer.connect();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.subscribe([topic], { fromBeginning: true });
    await consumer.run({
      concurrency: 1,
      eachBatch: async (batch, control) => {
        for (const record of batch.records) {
          const end = remaining.get(batch.partition);
          if (end === undefined || BigInt(record.offset) >= end) break;
          await visit(record);
          control.markDone(record.offset);
          if (BigInt(record.offset) + 1n >= end) remaining.delete(batch.partition);
        }
        if (commit) await control.commit();
        if (remaining.size === 0) finish();
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}

/** Lists a dead-letter topic without moving any group's offsets (a throwaway group reads it). */
export async function listDeadLetters(client: KafkaClientPort, dlqTopic: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readToEnd(client, dlqTopic, `dlq-list-${randomUUID()}`, false, async (record) => {
    letters.push(summarize(record));
  });
  return letters;
}

/**
 * Republishes dead letters to their source topic with an audit header, once each: the redrive group's
 * committed offsets remember how far it got.
 */
export async function redriveDeadLetters(client: KafkaClientPort, dlqTopic: string): Promise<DeadLetter[]> {
  const producer = client.producer();
  await producer.connect();
  const redriven: DeadLetter[] = [];
  try {
    await readToEnd(client, dlqTopic, `${dlqTopic}.redrive`, true, async (record) => {
      const source = record.headers[DLQ_HEADER.sourceTopic];
      if (!source) return;
      await producer.send(source, [
        { key: record.key, value: record.value ?? Buffer.alloc(0), headers: redriveHeaders(record) },
      ]);
      redriven.push(summarize(record));
    });
  } finally {
    await producer.disconnect();
  }
  return redriven;
}
