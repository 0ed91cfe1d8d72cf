import { hearServerErrors } from '@kafka-platform/platform';
import { Pool } from 'pg';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { PgListener } from './pg-listener';

/**
 * A small pg pool of its own on a TypeORM data source's database, for a background role (the outbox relay) that
 * must not queue behind the request handlers' transactions in the shared pool, nor take their connections.
 */
export function ownPool(dataSource: DataSource, options: { max: number; applicationName: string }): Pool {
  const pool = new Pool({
    ...PgListener.configOf(dataSource),
    max: options.max,
    application_name: options.applicationName,
    onConnect: hearServerErrors,
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in a transaction on one connection of the pool; a connection that failed is not reused. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
    throw error;
  } finally {
    client.release(broken);
  }
}
