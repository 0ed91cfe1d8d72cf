// Real-stack support for the messaging tests: a Nest app with the platform and messaging modules on a
// throw-away database and its own Kafka namespace, and a plain kafkajs reader for what reached the topic.
import { createServiceApp, PlatformModule } from '@kafka-platform/platform';
import { createTestDatabase, readTopic, serviceTestEnv, testNamespace } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  CreateAggregateVersions1764200000000,
  CreateInbox1763900000001,
  MessagingModule,
  OUTBOX_MIGRATIONS,
} from '../../src';
import type { MessagingModuleOptions } from '../../src';

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
        database: {
          entities: [],
          migrations: [...OUTBOX_MIGRATIONS, CreateInbox1763900000001, CreateAggregateVersions1764200000000],
        },
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

/** Everything on the topic once `expected` records arrived, read by an independent consumer. */
export async function readEventRecords(topic: string, expected: number): Promise<ReadRecord[]> {
  const records = await readTopic(topic, (arrived) => arrived.length >= expected);
  return records.map((record) => ({
    key: record.key ?? '',
    eventId: record.headers['event-id'] ?? '',
    correlationId: record.headers['correlation-id'] ?? '',
    partition: record.partition,
    offset: record.offset,
  }));
}
