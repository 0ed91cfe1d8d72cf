import { Kafka, logLevel } from 'kafkajs';
import { deleteNamespaceSubjects, stackEndpoints } from './endpoints';
import { createTestDatabase } from './test-database';
import type { TestDatabase } from './test-database';
import { uniqueName } from './wait-for';

/** What the helper needs of a Nest app; the apps pass a NestExpressApplication. */
export interface ListeningApp {
  init(): Promise<unknown>;
  /** The Kafka event transport, as the services start it (see startService in libs/platform). */
  startAllMicroservices(): Promise<unknown>;
  listen(port: number, host: string): Promise<unknown>;
  getHttpServer(): { address(): unknown };
  close(): Promise<void>;
}

export interface IsolatedApp<A extends ListeningApp> {
  readonly app: A;
  readonly url: string;
  /**
   * KAFKA_NAMESPACE: topics are `<namespace>.user-events`, groups `<namespace>.<group>`, schema subjects
   * `<namespace>.user-events-<record full name>`.
   */
  readonly namespace: string;
  readonly topic: string;
  readonly database: TestDatabase;
  /**
   * Closes the app; the first instance also drops the database and deletes the namespace's topics and subjects.
   * Once, however often it is called.
   */
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
    OIDC_ISSUER_URL: endpoints.oidcIssuerUrl,
    // Any free port: several services (and replicas) run side by side in one test.
    MANAGEMENT_PORT: '0',
    // Tests sign up thousands from one address; the limits have a suite of their own (tools/security).
    RATE_LIMIT_PER_MINUTE: '10000000',
    SIGNUP_RATE_LIMIT_PER_MINUTE: '10000000',
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
 * so the env is set just before `create` runs (and put back once it has).
 */
export async function startIsolatedApp<A extends ListeningApp>(
  role: string,
  create: () => Promise<A>,
  overrides: NodeJS.ProcessEnv = {},
): Promise<IsolatedApp<A>> {
  const namespace = testNamespace();
  const database = await createTestDatabase(role);
  // The stack the namespace lives on, whatever the overrides point the service at (a registry that is down, say).
  const stack = { ...process.env, ...serviceTestEnv(namespace, database.url) };
  let started: { app: A; url: string };
  try {
    started = await listening(namespace, database, create, overrides);
  } catch (error) {
    await database.drop();
    throw error;
  }
  const close = async () => {
    try {
      await started.app.close();
    } finally {
      await Promise.all([
        database.drop(),
        deleteNamespaceTopics(namespace, stack),
        deleteNamespaceSubjects(namespace, stack),
      ]);
    }
  };
  return { ...started, namespace, topic: `${namespace}.user-events`, database, close: once(close) };
}

/**
 * Another instance of an isolated app, as a second replica of the service: the same namespace (topics, consumer
 * groups) and database, its own HTTP port. Its close() closes only it; the first one's drops what they share.
 */
export async function startReplica<A extends ListeningApp>(
  of: IsolatedApp<ListeningApp>,
  create: () => Promise<A>,
  overrides: NodeJS.ProcessEnv = {},
): Promise<IsolatedApp<A>> {
  const started = await listening(of.namespace, of.database, create, overrides);
  const { namespace, topic, database } = of;
  return { ...started, namespace, topic, database, close: once(() => started.app.close()) };
}

async function listening<A extends ListeningApp>(
  namespace: string,
  database: TestDatabase,
  create: () => Promise<A>,
  overrides: NodeJS.ProcessEnv,
): Promise<{ app: A; url: string }> {
  const appEnv = serviceTestEnv(namespace, database.url, overrides);
  const saved = Object.fromEntries(Object.keys(appEnv).map((name) => [name, process.env[name]]));
  Object.assign(process.env, appEnv);
  let app: A | undefined;
  try {
    app = await create();
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    throw error;
  } finally {
    // The app has read its config; the next test file in this worker must not inherit it (a dead broker's port).
    restoreEnv(saved);
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

/** The close of an app: runs once, however often it is called. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => (closed ??= close());
}

/** A namespace's topics (user-events and the DLQs) go with its test; the broker is shared and long-lived. */
export async function deleteNamespaceTopics(namespace: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const admin = new Kafka({ brokers: stackEndpoints(env).kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${namespace}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

function restoreEnv(saved: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
