import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../wait-for';

/**
 * The Node options the services run with everywhere (Dockerfiles, `npm start`, tests, the benchmark): kafkajs'
 * harmless negative-timeout warning off, and a young generation of 4 MB semi-spaces instead of V8's 16 MB, which
 * took idle RSS from about 160 to 130 MB per service with no loss of throughput in the end-to-end benchmark
 * (docs/benchmarks.md).
 */
export const SERVICE_NODE_OPTIONS = '--disable-warning=TimeoutNegativeWarning --max-semi-space-size=4';

// libs/testing/{src,dist}/platform -> the repository root, where the apps' builds are.
const repoRoot = join(__dirname, '../../../..');

export type ServiceName = 'user-service' | 'email-service' | 'dashboard-service';

/** One built service (apps/<name>/dist/main.js) as its own Node process, as users and orchestrators run it. */
export class ServiceProcess {
  private child?: ChildProcess;
  private readonly output: string[] = [];

  constructor(
    readonly name: ServiceName,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** /metrics and /docs: give the process a MANAGEMENT_PORT of its own (0 would leave it unknown here). */
  get managementUrl(): string {
    const port = Number(this.env['MANAGEMENT_PORT']);
    if (!port) throw new Error(`${this.name} was started without a MANAGEMENT_PORT`);
    return `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once GET /health/ready answers 200; rejects as soon as it exits instead. */
  async start({ readyWithinMs = 60_000 } = {}): Promise<void> {
    const child = this.spawn();
    const outcome = await waitFor(
      `${this.name} to be ready`,
      async () => {
        // A value, not a throw: waitFor keeps polling through errors, which cost a failed start the whole minute.
        if (!this.running) return 'exited';
        return (await fetch(`${this.url}/health/ready`).catch(() => undefined))?.status === 200 && 'ready';
      },
      { timeoutMs: readyWithinMs, intervalMs: 100 },
    );
    if (outcome === 'exited') {
      throw new Error(`${this.name} exited ${child.exitCode ?? child.signalCode}:\n${this.logs()}`);
    }
  }

  /** Starts the process and resolves with its exit code once it ends by itself: for starts that must fail. */
  async runToExit({ withinMs = 60_000 } = {}): Promise<number | string | null> {
    const child = this.spawn();
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    await waitFor(`${this.name} to exit`, () => !this.running, { timeoutMs: withinMs, intervalMs: 100 });
    return exited;
  }

  private spawn(): ChildProcess {
    const child = spawn(process.execPath, [join(repoRoot, 'apps', this.name, 'dist', 'main.js')], {
      cwd: repoRoot,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 2000) this.output.splice(0, 1000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }

  /**
   * SIGTERM, as an orchestrator stops it: the service finishes in-flight work and leaves its group. Resolves
   * with the exit code, or the signal (Nest re-raises SIGTERM after its shutdown hooks ran).
   */
  stop(): Promise<number | string | null> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL: the process dies on the spot, with no shutdown hook, no group leave, no commit. */
  kill(): Promise<number | string | null> {
    return this.signal('SIGKILL');
  }

  logs(): string {
    return this.output.join('').slice(-8000);
  }

  /** Every error-level line it has logged (of those kept), however far back: what a failed request left behind. */
  errorLogs(): string {
    return this.output
      .join('')
      .split('\n')
      .filter((line) => line.includes('"level":"error"'))
      .join('\n');
  }

  private signal(signal: NodeJS.Signals): Promise<number | string | null> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve(child?.exitCode ?? null);
    const exited = new Promise<number | string | null>((resolve) =>
      child.once('exit', (code, received) => resolve(code ?? received)),
    );
    child.kill(signal);
    return exited;
  }
}
