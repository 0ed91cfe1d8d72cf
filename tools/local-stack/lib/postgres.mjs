// PostgreSQL is the machine's own server: the stack starts it when a Debian cluster is installed but stopped,
// creates one role and database per service, and never stops it (it did not start it as a child).
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { run, StackError, waitUntil } from './processes.mjs';
import { postgres } from './settings.mjs';

const noServer = (why) =>
  new StackError(
    `No PostgreSQL server answers on ${postgres.host}:${postgres.port} (${why}). Install one (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql@16 && brew services start postgresql@16), or point LOCAL_STACK_PG_ADMIN_URL at a superuser connection of a server you run.`,
  );

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

/** The machine's Debian cluster, when the stack targets the default local server and one is installed. */
function debianCluster() {
  const local = ['127.0.0.1', 'localhost'].includes(postgres.host) && postgres.port === 5432;
  if (!local || !existsSync('/etc/postgresql')) return undefined;
  return readdirSync('/etc/postgresql')[0];
}

export async function ensurePostgres(log) {
  const failure = await postgresAnswers().then(
    () => undefined,
    (error) => error,
  );
  if (failure) {
    const version = debianCluster();
    if (!version) throw noServer(failure.message);
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch((error) => {
      throw noServer(`${failure.message}; pg_ctlcluster ${version} main start failed: ${error.message.trim()}`);
    });
    log(`PostgreSQL was stopped; started the machine's ${version} cluster with pg_ctlcluster`);
    await waitUntil('PostgreSQL', postgresAnswers, { timeoutMs: 30_000 }).catch((error) => {
      throw noServer(error.message);
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

/** Drops the stack's databases (the next `up` recreates them): registry schemas and service data go. */
export async function resetDatabases() {
  await withAdmin(async (client) => {
    for (const name of postgres.databases) {
      await client.query(`drop database if exists ${name} with (force)`);
    }
  });
}

export const databaseUrl = (name) => `postgresql://${name}:${name}@${postgres.host}:${postgres.port}/${name}`;
