import pg from 'pg';
import { databaseUrl, stackEndpoints } from './endpoints';
import { uniqueName } from './wait-for';

export interface TestDatabase {
  readonly name: string;
  /** Connection URL as the owning role: what the service gets as DATABASE_URL. */
  readonly url: string;
  /** SQL as the owning role, on a connection of its own (e.g. what a service running as a process wrote). */
  query<T>(sql: string, parameters?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A throw-away database owned by one of the stack's service roles, so an in-process app test runs its real
 * migrations on real PostgreSQL without touching the service's own data (the e2e test and `npm start` use it).
 * Created through the server's admin role (PGADMIN_USER, default postgres).
 */
export async function createTestDatabase(owner: string, env: NodeJS.ProcessEnv = process.env): Promise<TestDatabase> {
  const name = uniqueName(`${owner}_test`).replace(/-/g, '_');
  await asPostgresAdmin(env, (client) => client.query(`CREATE DATABASE "${name}" OWNER "${owner}"`));
  const ownerUrl = new URL(databaseUrl(owner, env));
  ownerUrl.pathname = `/${name}`;
  return {
    name,
    url: ownerUrl.toString(),
    query: <T>(text: string, parameters: unknown[] = []) => sql<T>(ownerUrl.toString(), text, parameters),
    drop: async () => {
      await asPostgresAdmin(env, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** SQL at `url` on a connection of its own: an independent reader of what a service wrote. */
export async function sql<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs `work` on a connection to the stack's PostgreSQL as its admin (databases, replication slots). */
export async function asPostgresAdmin<T>(env: NodeJS.ProcessEnv, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { host, port } = stackEndpoints(env).postgres;
  const client = new pg.Client({
    host,
    port,
    user: env['PGADMIN_USER'] ?? 'postgres',
    password: env['PGADMIN_PASSWORD'],
    database: 'postgres',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
