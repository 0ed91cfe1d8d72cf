import { uniqueName, waitFor } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';

export interface MirroredRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | undefined;
  readonly value: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads a topic of the cluster at `brokers` from its beginning with a throw-away group until `done` says so. */
export async function readTopicFrom(
  brokers: string[],
  topic: string,
  done: (records: readonly MirroredRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<MirroredRecord[]> {
  const groupId = uniqueName('dr-reader');
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const records: MirroredRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString(),
          value: message.value?.toString('base64'),
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
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
