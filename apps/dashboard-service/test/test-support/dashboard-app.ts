// Boots the real dashboard-service in-process on the real stack, isolated from every other suite: its own
// Kafka namespace (topics and groups) and its own throw-away database.
import { EventPublisher, KAFKA_CLIENT } from '@kafka-platform/kafka';
import type { KafkaClientPort, PublishOptions, PublishedEvent } from '@kafka-platform/kafka';
import { createServiceApp } from '@kafka-platform/service';
import { createTestDatabase, stackEndpoints, uniqueName, waitFor } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DashboardServiceModule } from '../../src/dashboard-service.module';
import type { Stats } from '../../src/stats/stats';

export interface DashboardUnderTest {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly namespace: string;
  readonly topic: string;
  readonly groupId: string;
  readonly client: KafkaClientPort;
  publish(type: string, payload: unknown, options?: PublishOptions): Promise<PublishedEvent>;
  get<T>(path: string): Promise<T>;
  /** Waits until GET /api/stats satisfies `accept` and returns those stats. */
  statsWhere(description: string, accept: (stats: Stats) => boolean, timeoutMs?: number): Promise<Stats>;
  /** Closes the app, drops its database and deletes its topics; once, however often it is called. */
  close(): Promise<void>;
}

export async function startDashboard(): Promise<DashboardUnderTest> {
  const namespace = uniqueName('t').replace(/-/g, '_');
  const database = await createTestDatabase('dashboard_service');
  const endpoints = stackEndpoints();
  Object.assign(process.env, {
    KAFKA_NAMESPACE: namespace,
    DATABASE_URL: database.url,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    KAFKA_HANDLER_MAX_ATTEMPTS: '3',
    KAFKA_RETRY_INITIAL_MS: '50',
    KAFKA_RETRY_MAX_MS: '200',
    KAFKA_SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
  });
  let app: NestExpressApplication;
  try {
    app = await createServiceApp(DashboardServiceModule);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await database.drop();
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  const client = app.get<KafkaClientPort>(KAFKA_CLIENT);
  const topic = `${namespace}.user-events`;

  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  let closed: Promise<void> | undefined;
  const close = async () => {
    try {
      await app.close();
    } finally {
      await database.drop();
      await deleteTopics(client, namespace);
    }
  };

  return {
    app,
    url,
    namespace,
    topic,
    groupId: `${namespace}.dashboard-service`,
    client,
    publish: (type, payload, options) => app.get(EventPublisher).publish(type, payload, options),
    get,
    statsWhere: (description, accept, timeoutMs = 20_000) =>
      waitFor(
        description,
        async () => {
          const stats = await get<Stats>('/api/stats');
          return accept(stats) ? stats : undefined;
        },
        { timeoutMs },
      ),
    close: () => (closed ??= close()),
  };
}

/** The namespace's topics die with the test; they would otherwise pile up on the shared broker. */
async function deleteTopics(client: KafkaClientPort, namespace: string): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
    if (ours.length > 0) await admin.deleteTopics(ours);
  } finally {
    await admin.disconnect();
  }
}
