// `up --with connect` on a PostgreSQL without logical decoding refuses before anything starts, naming the setting
// and how to change it, and changes nothing on the server. Against a real throw-away server (initdb on a free port,
// wal_level = replica, PostgreSQL's default), since the machine's own server has to stay logical for Debezium.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@kafka-platform/testing';
import pg from 'pg';

const cli = join(__dirname, '..', 'cli.mjs');
// PostgreSQL refuses to run as root: as root, the server runs as the postgres user.
const asServerUser = (command: string, args: string[]) =>
  userInfo().uid === 0
    ? (['runuser', ['-u', 'postgres', '--', command, ...args]] as const)
    : ([command, args] as const);

describe('stack:up --with connect on a server with wal_level = replica', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-level-'));
  const data = join(dir, 'data');
  let port: number;

  beforeAll(async () => {
    chmodSync(dir, 0o777);
    port = await freePort();
    const [initdb, initArgs] = asServerUser('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres']);
    execFileSync(initdb, initArgs, { stdio: 'pipe' });
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c wal_level=replica`;
    const [pgCtl, ctlArgs] = asServerUser('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    execFileSync(pgCtl, ctlArgs, { stdio: 'pipe' });
  }, 60_000);

  afterAll(() => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      const [pgCtl, args] = asServerUser('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      execFileSync(pgCtl, args, { stdio: 'pipe' });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses, naming wal_level, ALTER SYSTEM and the restart, starts nothing and leaves the setting alone', async () => {
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    const stateDir = mkdtempSync(join(tmpdir(), 'stack-wal-'));
    const error = (await promisify(execFile)(process.execPath, [cli, 'up', 'connect'], {
      env: { ...process.env, LOCAL_STACK_DIR: stateDir, LOCAL_STACK_PG_ADMIN_URL: adminUrl },
      timeout: 60_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(error?.code).toBe(1);
    expect(error?.stderr).toContain('needs wal_level = logical');
    expect(error?.stderr).toContain(`127.0.0.1:${port} has wal_level = replica`);
    expect(error?.stderr).toContain('ALTER SYSTEM SET wal_level = logical');
    expect(error?.stderr).toMatch(/restart PostgreSQL/);
    const runDir = join(stateDir, 'run');
    expect(existsSync(runDir) ? readdirSync(runDir) : []).toEqual([]);
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const pending = await client.query(`SELECT setting, pending_restart FROM pg_settings WHERE name = 'wal_level'`);
      expect(pending.rows).toEqual([{ setting: 'replica', pending_restart: false }]);
    } finally {
      await client.end();
    }
    rmSync(stateDir, { recursive: true, force: true });
  }, 90_000);
});
