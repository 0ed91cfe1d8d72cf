// Real-stack support for the messaging tests: a Nest app with the platform and messaging modules on a
// throw-away database and its own Kafka namespace, and a plain kafkajs reader for what reached the topic.
import { createServiceApp, PlatformModule } from '@kafka-platform/service';
import { createTestDatabase, serviceTestEnv, stackEndpoints, testNamespace, uniqueName } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { CreateInbox1763900000001, CreateOutbox1763900000000, MessagingModule } from '../src';
import type { MessagingModuleOptions } from '../src';

export interface MessagingTestEnv {
  readonly namespace: string;
  readonly topic: string;
  readonly database: TestDatabase;
  env(overrides?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

export async function messagingTestEnv(): Promise<MessagingTestEnv> {
  const namespace = testNamespace('msg');
  const database = await createTestDatabase('user_service');
  return {
    namespace,
    topic: `${namespace}.user-events`,
    database,
    env: (overrides = {}) => serviceTestEnv(namespace, database.url, { LOG_LEVEL: 'error', ...overrides }),
  };
}

export async function startMessagingApp(
  env: NodeJS.ProcessEnv,
  messaging: MessagingModuleOptions,
): Promise<{ app: INestApplication; dataSource: DataSource }> {
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'messaging-test',
        defaultPort: 0,
        env,
        database: { entities: [], migrations: [CreateOutbox1763900000000, CreateInbox1763900000001] },
      }),
      MessagingModule.forRoot(messaging),
    ],
  })
  class MessagingTestModule {}
  const app = await createServiceApp(MessagingTestModule);
  await app.init();
  return { app, dataSource: app.get(DataSource) };
}

export interface ReadRecord {
  readonly key: string;
  readonly eventId: string;
  readonly correlationId: string;
  readonly partition: number;
  readonly offset: string;
}

/** Everything on the topic so far, read by an independent consumer (not the platform's own). */
export async function readTopic(topic: string, expected: number, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const kafka = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const enough = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${expected} records`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            key: message.key?.toString() ?? '',
            eventId: message.headers?.['event-id']?.toString() ?? '',
            correlationId: message.headers?.['correlation-id']?.toString() ?? '',
            partition,
            offset: message.offset,
          });
          if (records.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await enough;
    return records;
  } finally {
    await consumer.disconnect();
  }
}
