import { Kafka, logLevel } from 'kafkajs';
import { stackEndpoints } from './endpoints';
import { createTestDatabase } from './test-database';
import type { TestDatabase } from './test-database';
import { uniqueName } from './wait-for';

/** What the helper needs of a Nest app; the apps pass a NestExpressApplication. */
export interface ListeningApp {
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): { address(): unknown };
  close(): Promise<void>;
}

export interface IsolatedApp<A extends ListeningApp> {
  readonly app: A;
  readonly url: string;
  /** KAFKA_NAMESPACE: topics are `<namespace>.user-events`, groups `<namespace>.<group>`. */
  readonly namespace: string;
  readonly topic: string;
  readonly database: TestDatabase;
  /** Closes the app, drops its database and deletes its topics; once, however often it is called. */
  close(): Promise<void>;
}

/**
 * The env a service gets in tests: the stack's endpoints, its own namespace and database, quick retries.
 * `overrides` replace single values (e.g. SMTP_PORT for an SMTP outage).
 */
export function serviceTestEnv(
  namespace: string,
  databaseUrl: string,
  overrides: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const endpoints = stackEndpoints();
  return {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    SMTP_HOST: endpoints.smtp.host,
    SMTP_PORT: String(endpoints.smtp.port),
    KAFKA_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    KAFKA_HANDLER_MAX_ATTEMPTS: '3',
    KAFKA_RETRY_INITIAL_MS: '50',
    KAFKA_RETRY_MAX_MS: '200',
    KAFKA_SHUTDOWN_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/** A namespace no other test uses, in the form KAFKA_NAMESPACE accepts. */
export const testNamespace = (prefix = 't'): string => uniqueName(prefix).replace(/-/g, '_');

/**
 * Starts a service in-process on the real stack, isolated from every other suite: its own throw-away database
 * (owned by `role`) and Kafka namespace. Services read their config from process.env when the app is created,
 * so the env is set just before `create` runs.
 */
export async function startIsolatedApp<A extends ListeningApp>(
  role: string,
  create: () => Promise<A>,
  overrides: NodeJS.ProcessEnv = {},
): Promise<IsolatedApp<A>> {
  const namespace = testNamespace();
  const database = await createTestDatabase(role);
  Object.assign(process.env, serviceTestEnv(namespace, database.url, overrides));
  let app: A | undefined;
  try {
    app = await create();
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.drop();
    throw error;
  }
  const started = app;
  const { port } = started.getHttpServer().address() as { port: number };
  let closed: Promise<void> | undefined;
  const close = async () => {
    try {
      await started.close();
    } finally {
      await Promise.all([database.drop(), deleteNamespaceTopics(namespace)]);
    }
  };
  return {
    app: started,
    url: `http://127.0.0.1:${port}`,
    namespace,
    topic: `${namespace}.user-events`,
    database,
    close: () => (closed ??= close()),
  };
}

/** A namespace's topics (user-events and the DLQs) go with its test; the broker is shared and long-lived. */
export async function deleteNamespaceTopics(namespace: string): Promise<void> {
  const admin = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
