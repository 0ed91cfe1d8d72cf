// The platform as users run it: the three built services as separate Node processes on the real stack.
// Each run gets its own Kafka namespace and databases, so the counts it checks are its own.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, serviceTestEnv, stackEndpoints, testNamespace, waitFor } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';

const repoRoot = join(__dirname, '../../../..');

export type ServiceName = 'user-service' | 'email-service' | 'dashboard-service';
const SERVICES: { name: ServiceName; role: string }[] = [
  { name: 'user-service', role: 'user_service' },
  { name: 'email-service', role: 'email_service' },
  { name: 'dashboard-service', role: 'dashboard_service' },
];

export class ServiceProcess {
  private child?: ChildProcess;
  private output: string[] = [];

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(repoRoot, 'apps', this.name, 'dist', 'main.js')], {
      cwd: repoRoot,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => this.output.push(chunk.toString());
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      `${this.name} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited ${child.exitCode}:\n${this.logs()}`);
        return (await fetch(`${this.url}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }

  /**
   * SIGTERM, as an orchestrator stops it: the service finishes in-flight work and leaves its group. Resolves
   * with the exit code, or the signal (Nest re-raises SIGTERM after its shutdown hooks ran).
   */
  async stop(): Promise<number | string | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    child.kill('SIGTERM');
    return exited;
  }

  logs(): string {
    return this.output.join('').slice(-8000);
  }
}

export class PlatformUnderTest {
  private constructor(
    readonly namespace: string,
    readonly services: Record<ServiceName, ServiceProcess>,
    private readonly databases: TestDatabase[],
  ) {}

  get topic(): string {
    return `${this.namespace}.user-events`;
  }

  group(name: 'email-service' | 'dashboard-service'): string {
    return `${this.namespace}.${name}`;
  }

  static async start(): Promise<PlatformUnderTest> {
    const namespace = testNamespace('e2e');
    const databases: TestDatabase[] = [];
    const services = {} as Record<ServiceName, ServiceProcess>;
    for (const { name, role } of SERVICES) {
      const database = await createTestDatabase(role);
      databases.push(database);
      const port = await freePort();
      services[name] = new ServiceProcess(
        name,
        port,
        serviceTestEnv(namespace, database.url, {
          PORT: String(port),
          PATH: process.env['PATH'],
          NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning',
          KAFKA_RETRY_INITIAL_MS: '100',
        }),
      );
    }
    const platform = new PlatformUnderTest(namespace, services, databases);
    // The user-service first: it creates the namespace's topics the consumers subscribe to.
    await services['user-service'].start();
    await Promise.all([services['email-service'].start(), services['dashboard-service'].start()]);
    return platform;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.services).map((service) => service.stop()));
    await Promise.all(this.databases.map((database) => database.drop()));
  }

  async createUser(user: { email: string; name: string; locale?: string }): Promise<{ id: string }> {
    const response = await fetch(`${this.services['user-service'].url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    if (response.status !== 201) throw new Error(`POST /users answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { id: string };
  }

  async json<T>(service: ServiceName, path: string): Promise<T> {
    const response = await fetch(`${this.services[service].url}${path}`);
    if (!response.ok) throw new Error(`GET ${path} on ${service} answered ${response.status}`);
    return (await response.json()) as T;
  }
}

export interface GroupLag {
  groupId: string;
  totalLag: number;
  partitions: { partition: number; committed: string; logEnd: string; lag: number }[];
}

/** Welcome mails the SMTP sink holds for these recipients (the sink is shared: filter by address). */
export async function mailsTo(addresses: readonly string[]): Promise<{ to: string; subject: string }[]> {
  const response = await fetch(`${stackEndpoints().mailApiUrl}/api/v1/messages?limit=1000`);
  const { messages } = (await response.json()) as {
    messages: { To: { Address: string }[]; Subject: string }[];
  };
  const wanted = new Set(addresses.map((address) => address.toLowerCase()));
  return messages.flatMap((message) =>
    message.To.filter((to) => wanted.has(to.Address.toLowerCase())).map((to) => ({
      to: to.Address.toLowerCase(),
      subject: message.Subject,
    })),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
