import { Kafka, logLevel } from 'kafkajs';
import { stackEndpoints } from './endpoints';
import { uniqueName, waitFor } from './wait-for';

/** A record as an independent client sees it: the tests' check on what the platform really wrote. */
export interface TopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | undefined;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Reads a topic from its beginning with a throw-away group and a plain kafkajs client (not the platform's own),
 * until `done` accepts what arrived; returns the records in arrival order (ordered within each partition). The
 * stack's cluster unless `brokers` names another (the DR cluster); the group is deleted afterwards.
 */
export async function readTopic(
  topic: string,
  done: (records: readonly TopicRecord[]) => boolean,
  { timeoutMs = 20_000, brokers = stackEndpoints().kafkaBrokers }: { timeoutMs?: number; brokers?: string[] } = {},
): Promise<TopicRecord[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const groupId = uniqueName('topic-reader');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const records: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
        });
      },
    });
    return await waitFor(
      `the records wanted on ${topic} (${records.length} so far)`,
      () => done(records) && [...records],
      {
        timeoutMs,
      },
    );
  } finally {
    await consumer.disconnect();
    await forgetGroup(kafka, groupId);
  }
}

/** Deletes a reader's throw-away group; best effort, as the read itself already succeeded or failed. */
async function forgetGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // a broker that went away meanwhile: the group expires with offsets.retention.minutes
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** How many records a topic holds (log end minus log start, summed over its partitions), asked of the broker. */
export async function topicSize(topic: string): Promise<number> {
  const admin = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}
