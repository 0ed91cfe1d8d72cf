import type { Kafka } from 'kafkajs';
import type { StateRecord } from './window-store';

/**
 * Reads the compacted changelog from its start to its end as of now, committed records only, and hands each to
 * `apply` in log order. Called after the transactional producer has fenced any predecessor: the broker has then
 * aborted the predecessor's open transaction, so the last stable offset reaches the end and nothing uncommitted
 * is restored. A throw-away group (deleted afterwards) because kafkajs consumes only in groups.
 */
export async function restoreChangelog(
  kafka: Kafka,
  topic: string,
  group: string,
  apply: (record: StateRecord) => void,
): Promise<number> {
  const ends = await endOffsets(kafka, topic);
  const pending = new Set([...ends].filter(([, { low, high }]) => high > low).map(([partition]) => partition));
  if (pending.size === 0) return 0;
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false, maxWaitTimeInMs: 200 });
  let restored = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // Batch events also fire for batches of only control records (commit/abort markers), which end a partition.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (Number(payload.lastOffset) + 1 >= (ends.get(payload.partition)?.high ?? 0)) pending.delete(payload.partition);
    if (pending.size === 0) done();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        apply({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? null });
        restored++;
      },
    });
    await finished;
    return restored;
  } finally {
    await consumer.disconnect();
    await deleteGroup(kafka, group);
  }
}

async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, { low: number; high: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  } finally {
    await admin.disconnect();
  }
}

async function deleteGroup(kafka: Kafka, group: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([group]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
