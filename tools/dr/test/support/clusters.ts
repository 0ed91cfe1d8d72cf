// The two clusters as this suite's own kafkajs clients see them: independent readers of what MirrorMaker copied.
import { readTopic } from '@kafka-platform/testing';
import type { TopicRecord } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';

export const PRIMARY_BROKERS = ['localhost:9092'];
export const DR_BROKERS = ['localhost:19092'];

export const adminOf = (brokers: string[]): Admin => new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();

/** Log end offset per partition, in partition order. */
export async function endOffsets(admin: Admin, topic: string): Promise<number[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
}

/** A group's committed offset per partition of `topic` (-1: none), in partition order. */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<number[]> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (entry?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

/** Every record of `topic` (there must be `count`), as partition/offset/key/value/headers, sorted by position. */
export async function readAll(brokers: string[], topic: string, count: number): Promise<TopicRecord[]> {
  const records = await readTopic(topic, (soFar) => soFar.length >= count, { brokers, timeoutMs: 30_000 });
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** Removes a namespace's topics and groups from both clusters (MirrorMaker copies topics, never their deletion). */
export async function forgetNamespace(namespace: string): Promise<void> {
  for (const brokers of [PRIMARY_BROKERS, DR_BROKERS]) {
    const admin = adminOf(brokers);
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      const { groups } = await admin.listGroups();
      const mine = groups.map((group) => group.groupId).filter((group) => group.startsWith(`${namespace}.`));
      if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }
}
