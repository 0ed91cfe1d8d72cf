// What the failover drill needs besides the platform: the stack's CLI (stop the primary, bring it back), the
// `npm run dr` command as a process, sign-ups at a steady rate, and SQL as an independent reader.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@kafka-platform/testing';
import type { PlatformUnderTest } from '@kafka-platform/testing';

const run = promisify(execFile);
const repoRoot = join(__dirname, '../../../..');
const cli = join(repoRoot, 'tools/local-stack/cli.mjs');
const drCli = join(repoRoot, 'tools/local-stack/dr.mjs');
// Others sharing this machine's stack can see that the primary is down on purpose, and whose doing it is.
const PRIMARY_DOWN_LOCK = '/tmp/primary-down.lock';

export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args], { timeout: 300_000 });
  return stdout;
}

/**
 * Stops the primary Kafka (SIGTERM, as `cli.mjs down kafka` does): to the services and MirrorMaker the cluster is
 * gone all the same. Not kill -9: the shared broker holds every suite's topics, and recovering all their logs after
 * an unclean stop kept it from answering within the stack's 120 s, so the drill could not give the primary back.
 */
export async function stopPrimary(): Promise<void> {
  writeFileSync(PRIMARY_DOWN_LOCK, `${process.pid} failover drill\n`);
  await stack('down', 'kafka');
}

/** The primary back, so the shared stack is whole again (MirrorMaker stays stopped: see restoreMirror). */
export async function restorePrimary(): Promise<void> {
  try {
    await stack('up');
  } finally {
    rmSync(PRIMARY_DOWN_LOCK, { force: true });
  }
}

/**
 * MirrorMaker back. After the drill's namespace is gone from both clusters: running, it would copy the topics
 * again from the primary before it noticed their deletion there.
 */
export const restoreMirror = () => stack('up', '--with', 'dr');

export interface FailoverRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly translated: number;
  readonly start: number;
  readonly upstream?: number;
}

export interface FailoverResult {
  readonly mirrorStopped: boolean;
  readonly offsets: FailoverRow[];
  readonly replayed?: number;
}

/** `npm run dr -- failover --json ...` as an operator runs it. */
export async function failover(args: string[], env: NodeJS.ProcessEnv = {}): Promise<FailoverResult> {
  const { stdout } = await run(process.execPath, [drCli, 'failover', '--json', ...args], {
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as FailoverResult;
}

export interface SignUp {
  readonly email: string;
  readonly status: number;
  readonly userId?: string;
}

/** Sign-ups at a steady rate, open loop; every answer (0: none came) is recorded. */
export function signUpsAtRate(platform: PlatformUnderTest, count: number, perSecond: number) {
  const runId = randomUUID().slice(0, 8);
  const start = Date.now();
  let answered = 0;
  const one = async (index: number): Promise<SignUp> => {
    await new Promise((resolve) => setTimeout(resolve, start + (index * 1000) / perSecond - Date.now()));
    const email = `dr-drill-${runId}-${index}@example.com`;
    try {
      const { status, body } = await platform.signUp({ email, name: `Drill ${index}` });
      return { email, status, userId: status === 201 ? (body as { id: string }).id : undefined };
    } catch {
      return { email, status: 0 };
    } finally {
      answered += 1;
    }
  };
  return { answered: () => answered, done: Promise.all(Array.from({ length: count }, (_, i) => one(i))) };
}

/** Users on the dashboard's live projection (SQL on its database). */
export async function dashboardUsers(platform: PlatformUnderTest, ids: readonly string[]): Promise<number> {
  const url = platform.databases['dashboard-service'].url;
  const [live] = await sql<{ schema_name: string }>(
    url,
    `SELECT schema_name FROM public.dashboard_generations WHERE state = 'live'`,
  );
  if (!live || !/^dashboard_g\d+$/.test(live.schema_name)) return 0;
  const [row] = await sql<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM ${live.schema_name}.dashboard_users WHERE created_at IS NOT NULL AND user_id = ANY($1)`,
    [ids],
  );
  return row?.n ?? 0;
}
