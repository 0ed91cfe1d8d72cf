import type { ClientBase } from 'pg';

/**
 * Gives a new pg connection an 'error' listener for its whole life, as the pool's `onConnect` hook.
 *
 * A connection the server ends (a restart, pg_terminate_backend) emits 'error' on its client. pg-pool listens only
 * while the client is idle, and TypeORM only from a promise callback after the pool handed the client out. When
 * the server's FATAL message arrives in the same packet as the ReadyForQuery that completed a new connection, the
 * pool has already handed the client out and nobody listens yet: the unheard 'error' ends the process. (This is
 * how an email-service died in a CI run of fault d, PostgreSQL restarted: 57P01 on a client nobody heard.) The
 * query in flight fails anyway, and the pool drops a client that failed when it comes back.
 */
export function hearServerErrors(client: ClientBase): void {
  client.on('error', () => undefined);
}

/** The pool of every service's TypeORM data source (`extra` is handed to pg's Pool as it is). */
export const DATABASE_POOL = { max: 10, connectionTimeoutMillis: 5000, onConnect: hearServerErrors } as const;
