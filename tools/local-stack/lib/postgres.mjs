// PostgreSQL is the machine's own server: the stack starts it when a Debian cluster is installed but stopped,
// creates one role and database per service, and never stops it (it did not start it as a child).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { run, StackError, waitUntil } from './processes.mjs';
import { paths, postgres } from './settings.mjs';

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

/** Drops one of the stack's databases and creates it again, empty, for its role (which ensurePostgres made). */
export async function recreateDatabase(name) {
  await withAdmin(async (client) => {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}" owner "${name}"`);
  });
}

/** Drops the stack's databases (the next `up` recreates them): registry schemas, Keycloak's realm, service data go. */
export async function resetDatabases() {
  await withAdmin(async (client) => {
    const kept = await client.query(`select datname from pg_database where datname ~ $1`, [
      `^(${postgres.serviceDatabases.join('|')})__`,
    ]);
    for (const name of [...postgres.databases, ...kept.rows.map((row) => row.datname)]) {
      await client.query(`drop database if exists "${name}" with (force)`);
    }
  });
}

const bindingFile = () => join(paths.data, 'service-databases.cluster');
/** `user_service__<hash of the cluster id>`: where a cluster's service databases wait while another cluster runs. */
const keptName = (name, clusterId) => `${name}__${createHash('sha256').update(clusterId).digest('hex').slice(0, 12)}`;

/**
 * Makes the service databases under the contract's names (user_service, ...) those of the Kafka cluster that runs.
 * The one-broker and three-broker clusters are separate, each with its own log, so each keeps its own service
 * databases: switching moves the other cluster's aside as `<name>__<hash>` and brings back this one's (or new,
 * empty ones). Nothing is dropped, and a switch needs the services stopped (PostgreSQL renames no database in use).
 */
export async function bindServiceDatabases(clusterId, log) {
  if (!clusterId) return;
  const file = bindingFile();
  const bound = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (bound && bound !== clusterId) {
    await withAdmin(async (client) => {
      const exists = async (name) =>
        (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount > 0;
      for (const name of postgres.serviceDatabases) {
        try {
          if (await exists(name)) await client.query(`alter database "${name}" rename to "${keptName(name, bound)}"`);
          if (await exists(keptName(name, clusterId))) {
            await client.query(`alter database "${keptName(name, clusterId)}" rename to "${name}"`);
          } else {
            await client.query(`create database "${name}" owner "${name}"`);
          }
        } catch (error) {
          throw new StackError(
            `Switching the service databases to Kafka cluster ${clusterId} failed on ${name}: ${error.message}. Stop the services that use it (npm start: Ctrl-C), then run stack:up again.`,
          );
        }
      }
    });
    log(`service databases now follow Kafka cluster ${clusterId}; those of cluster ${bound} are kept as <name>__*`);
  }
  mkdirSync(paths.data, { recursive: true });
  writeFileSync(file, clusterId);
}

export const databaseUrl = (name) => `postgresql://${name}:${name}@${postgres.host}:${postgres.port}/${name}`;
