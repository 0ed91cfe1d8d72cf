import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackEndpoints, waitFor } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, Consumer } from 'kafkajs';

export const endpoints = stackEndpoints();

/**
 * The platform's services as the workspace has them: every apps/<name> that runs on libs/platform, so each has a
 * database of its own named after it and is an audience of the realm's tokens. A stream processor on libs/kafka alone
 * (signup-analytics) has neither. A service added by `nx g @kafka-platform/plugin:service` is found without a list.
 */
export function platformServices(): string[] {
  const apps = join(__dirname, '..', '..', '..', 'apps');
  return readdirSync(apps)
    .filter((name) => {
      const manifest = join(apps, name, 'package.json');
      if (!existsSync(manifest)) return false;
      const { dependencies } = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> };
      return '@kafka-platform/platform' in (dependencies ?? {});
    })
    .sort();
}

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
