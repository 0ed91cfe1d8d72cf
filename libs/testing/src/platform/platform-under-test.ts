import { authHeaders } from '../auth/tokens';
import type { DemoUser } from '../auth/tokens';
import { deleteNamespaceSubjects } from '../endpoints';
import { serviceTestEnv, testNamespace } from '../isolated-app';
import { freePort } from '../free-port';
import { createTestDatabase } from '../test-database';
import type { TestDatabase } from '../test-database';
import { SERVICE_NODE_OPTIONS, ServiceProcess } from './service-process';
import type { ServiceName } from './service-process';

const DATABASE_ROLES: Record<ServiceName, string> = {
  'user-service': 'user_service',
  'email-service': 'email_service',
  'dashboard-service': 'dashboard_service',
};

export interface PlatformOptions {
  /** Instances per service (several share one database and one consumer group); one each by default. */
  readonly instances?: Partial<Record<ServiceName, number>>;
  /** Env for every service on top of the stack's endpoints, e.g. KAFKA_BROKERS listing three brokers. */
  readonly env?: NodeJS.ProcessEnv;
  /** The API port of a service's first instance (a free one otherwise), e.g. one registered with the provider. */
  readonly ports?: Partial<Record<ServiceName, number>>;
  /** How the platform's KAFKA_NAMESPACE begins (`e2e` unless told), e.g. one a mirror is set to copy. */
  readonly namespacePrefix?: string;
}

/**
 * The platform as users run it: the three built services as separate Node processes on the real stack, with
 * their own Kafka namespace and throw-away databases, so the counts a test checks are its own.
 */
export class PlatformUnderTest {
  private constructor(
    readonly namespace: string,
    private readonly running: Record<ServiceName, ServiceProcess[]>,
    readonly databases: Record<ServiceName, TestDatabase>,
    private readonly env: NodeJS.ProcessEnv,
    private readonly ports: Partial<Record<ServiceName, number>> = {},
  ) {}

  get topic(): string {
    return `${this.namespace}.user-events`;
  }

  group(name: 'email-service' | 'dashboard-service'): string {
    return `${this.namespace}.${name}`;
  }

  deadLetterTopic(group: 'email-service' | 'dashboard-service'): string {
    return `${this.topic}.${group}.dlq`;
  }

  /** The first instance of a service (the only one, unless the platform was started with more). */
  get services(): Record<ServiceName, ServiceProcess> {
    return Object.fromEntries(Object.entries(this.running).map(([name, instances]) => [name, instances[0]])) as Record<
      ServiceName,
      ServiceProcess
    >;
  }

  instances(name: ServiceName): readonly ServiceProcess[] {
    return this.running[name];
  }

  static async start(options: PlatformOptions = {}): Promise<PlatformUnderTest> {
    const namespace = testNamespace(options.namespacePrefix ?? 'e2e');
    const databases = {} as Record<ServiceName, TestDatabase>;
    for (const [name, role] of Object.entries(DATABASE_ROLES) as [ServiceName, string][]) {
      databases[name] = await createTestDatabase(role);
    }
    const env = {
      PATH: process.env['PATH'],
      NODE_OPTIONS: SERVICE_NODE_OPTIONS,
      KAFKA_RETRY_INITIAL_MS: '100',
      ...options.env,
    };
    const platform = new PlatformUnderTest(
      namespace,
      { 'user-service': [], 'email-service': [], 'dashboard-service': [] },
      databases,
      env,
      options.ports,
    );
    try {
      // The user-service first: it creates the namespace's topics the consumers subscribe to.
      await platform.addInstance('user-service');
      const consumers: Promise<ServiceProcess>[] = [];
      for (const name of ['email-service', 'dashboard-service'] as const) {
        for (let i = 0; i < (options.instances?.[name] ?? 1); i++) consumers.push(platform.addInstance(name));
      }
      // Every start settles before a failure is reported, so close() below finds every process that began.
      const failed = (await Promise.allSettled(consumers)).find((started) => started.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      // The caller gets no platform to close: one service that did not start must not leave the others running
      // (they would hold the test run open) nor its databases behind.
      await platform.close().catch(() => undefined);
      throw error;
    }
    return platform;
  }

  /** Starts one more instance of a service (same database, same group) and waits until it is ready. */
  async addInstance(name: ServiceName, env: NodeJS.ProcessEnv = {}, port?: number): Promise<ServiceProcess> {
    const first = this.running[name].length === 0;
    port ??= (first && this.ports[name]) || (await freePort());
    const managementPort = await freePort();
    const service = new ServiceProcess(
      name,
      port,
      serviceTestEnv(this.namespace, this.databases[name].url, {
        ...this.env,
        ...env,
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
      }),
    );
    this.running[name].push(service);
    await service.start();
    return service;
  }

  /** SIGTERM to every instance; `restartAll` starts them again. */
  async stopAll(): Promise<void> {
    await Promise.all(Object.values(this.running).flatMap((instances) => instances.map((service) => service.stop())));
  }

  /**
   * Stops every instance (SIGTERM) and starts each again on its port with `env` added for good, the user-service
   * first: what an operator does to move the platform, e.g. to another Kafka cluster after a failover.
   */
  async restartAll(env: NodeJS.ProcessEnv): Promise<void> {
    await this.stopAll();
    Object.assign(this.env, env);
    for (const name of ['user-service', 'email-service', 'dashboard-service'] as const) {
      const ports = this.running[name].map((service) => service.port);
      this.running[name] = [];
      for (const port of ports) await this.addInstance(name, {}, port);
    }
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.running).flatMap((instances) => instances.map((service) => service.stop())));
    await Promise.all(Object.values(this.databases).map((database) => database.drop()));
    // The services registered the namespace's own subjects (<namespace>.user-events-<record>).
    await deleteNamespaceSubjects(this.namespace);
  }

  /** POST /users; the response as it came (status, parsed body, Retry-After), whatever the status. */
  async signUp(user: {
    email: string;
    name: string;
    locale?: string;
  }): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
    const response = await fetch(`${this.services['user-service'].url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
  }

  async createUser(user: { email: string; name: string; locale?: string }): Promise<{ id: string }> {
    const { status, body } = await this.signUp(user);
    if (status !== 201) throw new Error(`POST /users answered ${status}: ${JSON.stringify(body)}`);
    return body as { id: string };
  }

  /** GET as `user` (the demo admin unless told). */
  async json<T>(service: ServiceName, path: string, instance = 0, user: DemoUser = 'ada'): Promise<T> {
    const response = await fetch(`${this.running[service][instance]?.url}${path}`, {
      headers: await authHeaders(user),
    });
    if (!response.ok) throw new Error(`GET ${path} on ${service} answered ${response.status}`);
    return (await response.json()) as T;
  }
}
