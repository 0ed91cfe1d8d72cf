import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from '@kafka-platform/testing';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** The processor as a child process (built by the test target's dependency), its JSON log lines collected. */
export class ProcessorProcess {
  readonly lines: { msg: string; [field: string]: unknown }[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as { msg: string });
      } catch {
        // Not one of ours (a library's stray print).
      }
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** Its last log lines, for a failure's message. */
  tail(lines = 80): string {
    return this.lines
      .slice(-lines)
      .map((line) => JSON.stringify(line))
      .join('\n');
  }

  count(msg: string): number {
    return this.lines.filter((line) => line.msg === msg).length;
  }

  /** GET on its management port (MANAGEMENT_PORT=0: the port its log line names). */
  async get(path: string): Promise<{ status: number; body: string }> {
    const line = await waitFor('the management server to listen', () =>
      this.lines.find((candidate) => candidate.msg === 'management server listening'),
    );
    const response = await fetch(`http://127.0.0.1:${String(line.port)}${path}`);
    return { status: response.status, body: await response.text() };
  }

  /** Waits until `commits` more batches have committed and the next transaction is open, then kill -9s it there. */
  async killInsideTransaction(commits: number): Promise<void> {
    const before = this.count('batch committed');
    await waitFor(
      `${commits} commits, then an open transaction`,
      () => {
        const committed = this.lines.filter((line) => line.msg === 'batch committed').length - before;
        return committed >= commits && this.lines.at(-1)?.msg === 'transaction open';
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
