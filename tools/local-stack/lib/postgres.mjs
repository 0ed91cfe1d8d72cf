// PostgreSQL is the machine's own server: the stack starts it when a Debian cluster is installed but stopped,
// creates one role and database per service, and never stops it (it did not start it as a child).
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { run, StackError, waitUntil } from './processes.mjs';
import { postgres } from './settings.mjs';

const NO_SERVER_HELP = `No PostgreSQL server answers on ${postgres.host}:${postgres.port}. Install one (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql@16 && brew services start postgresql@16), or point LOCAL_STACK_PG_ADMIN_URL at a superuser connection of a server you run.`;

async function withAdmin(work) {
  const client = new pg.Client({ connectionString: postgres.adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function postgresAnswers() {
  return withAdmin(async (client) => (await client.query('select 1 as ok')).rows[0].ok === 1);
}

async function startDebianCluster() {
  if (!existsSync('/etc/postgresql')) return false;
  const [version] = readdirSync('/etc/postgresql');
  if (!version) return false;
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch(() => undefined);
  return true;
}

export async function ensurePostgres(log) {
  const up = await postgresAnswers().catch(() => false);
  if (!up) {
    if (!(await startDebianCluster())) throw new StackError(NO_SERVER_HELP);
    log('PostgreSQL was stopped; started the machine cluster with pg_ctlcluster');
    await waitUntil('PostgreSQL', postgresAnswers, { timeoutMs: 30_000 }).catch(() => {
      throw new StackError(NO_SERVER_HELP);
    });
  }
  await withAdmin(async (client) => {
    for (const name of postgres.databases) {
      const role = await client.query('select 1 from pg_roles where rolname = $1', [name]);
      if (role.rowCount === 0) await client.query(`create role ${name} login password '${name}'`);
      const db = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (db.rowCount === 0) await client.query(`create database ${name} owner ${name}`);
    }
  });
}

/** Drops and recreates the stack's databases: the registry's schemas and every service's data go. */
export async function resetDatabases() {
  await withAdmin(async (client) => {
    for (const name of postgres.databases) {
      await client.query(`drop database if exists ${name} with (force)`);
    }
  });
}

export const databaseUrl = (name) => `postgresql://${name}:${name}@${postgres.host}:${postgres.port}/${name}`;
