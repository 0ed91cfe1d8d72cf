import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackEndpoints, waitFor } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer } from 'kafkajs';

export const endpoints = stackEndpoints();

export const kafkaClient = (clientId: string): Kafka =>
  new Kafka({ clientId, brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });

export async function createTopic(admin: Admin, topic: string): Promise<void> {
  // kafkajs' waitForLeaders gives up when a freshly started broker still calls the new topic unknown.
  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
  if (!created) throw new Error(`topic ${topic} already existed`);
  await waitFor(`a leader for ${topic}`, async () => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.every((partition) => partition.leader >= 0);
  });
}

/** Reads `count` records of a topic from the beginning with a fresh group, in offset order. */
export async function readFromStart(consumer: Consumer, topic: string, count: number) {
  const seen: { key: string; value: string; offset: string; headers: Record<string, string> }[] = [];
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      seen.push({ key: String(message.key), value: String(message.value), offset: message.offset, headers });
    },
  });
  return waitFor(`${count} records on ${topic}`, () => seen.length >= count && seen, { timeoutMs: 30_000 });
}

const cli = join(__dirname, '..', 'cli.mjs');

/** Drives the stack's own CLI, the way a developer does. */
export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], { timeout: 200_000 });
  return stdout;
}
