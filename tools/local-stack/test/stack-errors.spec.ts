// A bad environment gets a clear error that says what to do, and nothing is left half-started.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const cli = join(__dirname, '..', 'cli.mjs');
const nodeOnlyPath = dirname(process.execPath);

/** Runs `stack:up` with a fresh state dir of its own, expecting it to fail; returns what it printed. */
async function failingUp(env: NodeJS.ProcessEnv, prepare?: (stateDir: string) => void, args: string[] = []) {
  const stateDir = mkdtempSync(join(tmpdir(), 'stack-errors-'));
  prepare?.(stateDir);
  const run = promisify(execFile)(process.execPath, [cli, 'up', ...args], {
    env: { ...process.env, LOCAL_STACK_DIR: stateDir, ...env },
    timeout: 60_000,
  });
  const error = (await run.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code: number; stderr: string } | undefined;
  if (!error) throw new Error('stack:up succeeded where it should have failed');
  const runDir = join(stateDir, 'run');
  const pidFiles = existsSync(runDir) ? readdirSync(runDir) : [];
  return { code: error.code, stderr: error.stderr, pidFiles };
}

describe('stack:up in a bad environment', () => {
  it('names the ports another process holds and starts nothing', async () => {
    // The running stack holds the ports, and a second state dir did not start it.
    const result = await failingUp({});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Port 9092 (Kafka broker (node 1))');
    expect(result.stderr).toContain('8081 (Apicurio Registry)');
    expect(result.stderr).toContain('already in use by a process this stack did not start');
    expect(result.pidFiles).toEqual([]);
  });

  it('refuses a broker count it cannot run, naming where it came from', async () => {
    expect((await failingUp({}, undefined, ['--brokers', '2'])).stderr).toContain(
      '--brokers=2: the local Kafka runs 1 or 3 broker(s)',
    );
    expect((await failingUp({ LOCAL_STACK_BROKERS: 'many' })).stderr).toContain(
      'LOCAL_STACK_BROKERS=many: the local Kafka runs 1 or 3 broker(s)',
    );
  });

  it('refuses --with for a part that is not opt-in, listing the opt-in parts', async () => {
    const result = await failingUp({}, undefined, ['--with', 'registry']);
    expect(result.stderr).toMatch(/--with registry: not an opt-in part; use one of: .*kafka-secure/);
    expect(result.pidFiles).toEqual([]);
  });

  it('says how to get Java when there is none', async () => {
    const result = await failingUp({ PATH: nodeOnlyPath, JAVA_HOME: '', LOCAL_STACK_JVM_ROOTS: '/nonexistent' });
    expect(result.stderr).toMatch(/Apache Kafka 4 needs Java 17 or newer\. Install a JDK/);
    expect(result.pidFiles).toEqual([]);
  });

  it('says how to get Maven when the artifacts are not cached yet', async () => {
    const emptyCache = mkdtempSync(join(tmpdir(), 'stack-cache-'));
    const result = await failingUp({ PATH: nodeOnlyPath, LOCAL_STACK_CACHE: emptyCache });
    expect(result.stderr).toMatch(/mvn was not found .* Install it \(Debian\/Ubuntu: apt-get install -y maven/);
    expect(result.pidFiles).toEqual([]);
  });

  it('says how to get PostgreSQL when no server answers', async () => {
    const result = await failingUp({ LOCAL_STACK_PG_ADMIN_URL: 'postgresql://postgres@127.0.0.1:1/postgres' });
    expect(result.stderr).toMatch(/No PostgreSQL server answers on 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)\. Install one/);
    expect(result.pidFiles).toEqual([]);
  });

  it('points a corrupt Kafka data dir to stack:reset', async () => {
    const result = await failingUp({}, (stateDir) => {
      const dataDir = join(stateDir, 'data', 'kafka', 'node-1');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(join(dataDir, 'user-events-0'), 'not a Kafka log');
    });
    expect(result.stderr).toMatch(/has files but no meta\.properties: it is corrupt\. Run `npm run stack:reset`/);
    expect(result.pidFiles).toEqual([]);
  });

  it('is harmless to run twice: a second stack:up finds everything running and changes nothing', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'up'], { timeout: 60_000 });
    expect(stdout).toContain('[stack] ready (was already running):');
    expect(stdout).toContain('logs: ');
  });

  it('lists every Kafka node of the running cluster with its role, and whether it answers', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'status'], { timeout: 60_000 });
    const nodes = [
      ...stdout.matchAll(/^\[stack\] {3}(kafka-\d) +broker \+ controller.*: running \(pid \d+\), answering/gm),
    ];
    const brokers = (/^\[stack\] kafka +running.*answering: (.*)$/m.exec(stdout)?.[1] ?? '').split(',');
    expect(nodes.map((match) => match[1])).toEqual(brokers.map((_, index) => `kafka-${index + 1}`));
    expect(stdout.match(/\(quorum leader\)/g)).toHaveLength(1);
  });
});
