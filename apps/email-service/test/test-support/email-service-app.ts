// In-process email-service on the real stack, isolated from parallel suites: its own Kafka namespace (topics,
// groups, DLQs) and its own throw-away database. Mail goes to the shared SMTP sink; tests find theirs by address.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KAFKA_CLIENT, KAFKA_CONFIG, namespaced } from '@kafka-platform/kafka';
import type { ConsumedRecord, KafkaClientPort, KafkaConfig } from '@kafka-platform/kafka';
import { createServiceApp } from '@kafka-platform/service';
import { createTestDatabase, stackEndpoints, uniqueName, waitFor } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { EmailServiceModule } from '../../src/email-service.module';

export interface EmailServiceUnderTest {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly namespace: string;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** The env a test app starts with; `overrides` replace single values (e.g. SMTP_PORT). */
export function testEnv(namespace: string, databaseUrl: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const endpoints = stackEndpoints();
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: databaseUrl,
    KAFKA_NAMESPACE: namespace,
    SMTP_HOST: endpoints.smtp.host,
    SMTP_PORT: String(endpoints.smtp.port),
    KAFKA_HANDLER_MAX_ATTEMPTS: '3',
    KAFKA_RETRY_INITIAL_MS: '50',
    KAFKA_RETRY_MAX_MS: '200',
    KAFKA_SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** Config is read from process.env when the app is created, so the env is set just before. */
export async function startEmailService(overrides: NodeJS.ProcessEnv = {}): Promise<EmailServiceUnderTest> {
  const namespace = uniqueName('t').replace(/-/g, '_');
  const database = await createTestDatabase('email_service');
  Object.assign(process.env, testEnv(namespace, database.url, overrides));
  try {
    const app = await createServiceApp(EmailServiceModule);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      namespace,
      database,
      close: async () => {
        await app.close();
        await Promise.all([database.drop(), deleteTopics(app.get<KafkaClientPort>(KAFKA_CLIENT), namespace)]);
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The namespace's topics (user-events and the DLQs) go with the test; the broker is shared and long-lived. */
async function deleteTopics(client: KafkaClientPort, namespace: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
    if (topics.length > 0) await admin.deleteTopics(topics);
  } finally {
    await admin.disconnect();
  }
}

export const uniqueAddress = (prefix: string): string => `${uniqueName(prefix)}@example.com`;

/** The DLQ of the email-service group on the app's namespaced user-events topic. */
export function deadLetterTopic(app: NestExpressApplication): string {
  const { topics } = app.get<KafkaConfig>(KAFKA_CONFIG);
  return `${namespaced(topics.namespace, 'user-events')}.email-service.dlq`;
}

/** Reads a topic from the start with a throwaway group until `matches` finds a record. */
export async function findRecord(
  app: NestExpressApplication,
  topic: string,
  matches: (record: ConsumedRecord) => boolean,
  timeoutMs = 20_000,
): Promise<ConsumedRecord> {
  const { topics } = app.get<KafkaConfig>(KAFKA_CONFIG);
  const consumer = app.get<KafkaClientPort>(KAFKA_CLIENT).consumer(namespaced(topics.namespace, uniqueName('reader')));
  const seen: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe([topic], { fromBeginning: true });
    await consumer.run({
      concurrency: 1,
      eachBatch: async (batch, control) => {
        seen.push(...batch.records);
        for (const record of batch.records) control.markDone(record.offset);
      },
    });
    return await waitFor(`a matching record on ${topic}`, () => seen.find(matches), { timeoutMs });
  } finally {
    await consumer.disconnect();
  }
}

/** A port nothing listens on: bound once by the OS, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
