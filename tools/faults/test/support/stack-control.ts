// The faults themselves: real processes of the local stack killed, stopped and started again, the machine's
// PostgreSQL restarted. Everything goes through the stack's own CLI (pid files, `up` restarting what is down).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@kafka-platform/testing';

const run = promisify(execFile);
const cli = join(__dirname, '../../../local-stack/cli.mjs');

export const BROKERS = ['localhost:9092', 'localhost:9192', 'localhost:9292'];

export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args], { timeout: 240_000 });
  return stdout;
}

/** The pid of each running stack process (kafka-1..3, registry, smtp-sink). */
export async function stackPids(): Promise<Record<string, number>> {
  return JSON.parse(await stack('pids')) as Record<string, number>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends `signal` to a stack process (a Kafka node: `kafka-2`) and waits until it is gone. */
export async function signalStackProcess(name: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const pid = (await stackPids())[name];
  if (!pid) throw new Error(`${name} is not running`);
  process.kill(pid, signal);
  await waitFor(`${name} (pid ${pid}) to exit`, () => !alive(pid), { timeoutMs: 60_000, intervalMs: 100 });
}

/** `kill -9` of Kafka node `id`. */
export const killBroker = (id: number) => signalStackProcess(`kafka-${id}`, 'SIGKILL');

/** Starts whatever part of the stack is down (the remembered three-broker cluster) and waits until it answers. */
export const restartStack = () => stack('up');

/** Restarts the machine's PostgreSQL (fast mode: open sessions are cut), as a failover or an upgrade would. */
export async function restartPostgres(): Promise<void> {
  const [version] = readdirSync('/etc/postgresql');
  if (!version) throw new Error('no Debian PostgreSQL cluster under /etc/postgresql');
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '--', '-m', 'fast'], {
    timeout: 60_000,
  });
}
