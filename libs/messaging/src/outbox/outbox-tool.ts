import type { ClientBase } from 'pg';
import { OUTBOX_CHANNEL } from './outbox';

/** An outbox row as an operator sees it. */
export interface OutboxEntry {
  readonly id: string;
  readonly eventId: string;
  readonly type: string;
  readonly key: string;
  readonly state: 'pending' | 'parked';
  readonly attempts: number;
  readonly failures: number;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
  readonly parkedAt: string | null;
  readonly createdAt: string;
  /** Later rows of the same key waiting behind this one. */
  readonly waitingBehind: number;
}

export type OutboxListFilter = 'parked' | 'failing' | 'open';

const WHERE: Record<OutboxListFilter, string> = {
  parked: `state = 'parked'`,
  failing: `state IN ('pending', 'parked') AND last_error IS NOT NULL`,
  open: `state IN ('pending', 'parked')`,
};

/** Parked rows (default), rows that failed at least once, or every open row; oldest first, at most `limit`. */
export async function listOutbox(client: ClientBase, filter: OutboxListFilter = 'parked', limit = 1000) {
  const { rows } = await client.query<{
    id: string;
    event_id: string;
    event_type: string;
    key: string;
    state: 'pending' | 'parked';
    attempts: number;
    failures: number;
    last_error: string | null;
    last_error_at: Date | null;
    parked_at: Date | null;
    created_at: Date;
    waiting: number;
  }>(
    `SELECT o.id::text, o.event_id, o.event_type, o.key, o.state, o.attempts, o.failures, o.last_error,
            o.last_error_at, o.parked_at, o.created_at,
            (SELECT count(*)::int FROM outbox later
              WHERE later.key = o.key AND later.id > o.id AND later.state IN ('pending', 'parked')) AS waiting
       FROM outbox o WHERE ${WHERE[filter]} ORDER BY o.id LIMIT $1`,
    [limit],
  );
  return rows.map((row): OutboxEntry => ({
    id: row.id,
    eventId: row.event_id,
    type: row.event_type,
    key: row.key,
    state: row.state,
    attempts: row.attempts,
    failures: row.failures,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at?.toISOString() ?? null,
    parkedAt: row.parked_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    waitingBehind: row.waiting,
  }));
}

/**
 * Puts parked rows back in line (after the cause was fixed: a schema registered, a topic created, an ACL granted),
 * with a fresh failure count; `'all'` retries every parked row. Returns the ids retried; wakes the relays.
 */
export async function retryParked(client: ClientBase, id: string | 'all'): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `UPDATE outbox SET state = 'pending', failures = 0, available_at = now(), parked_at = NULL
      WHERE state = 'parked' AND ($1::text = 'all' OR id = $1::bigint) RETURNING id::text`,
    [id === 'all' ? 'all' : checkedId(id)],
  );
  await client.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return rows.map((row) => row.id).sort((a, b) => Number(BigInt(a) - BigInt(b)));
}

/**
 * Gives up on a parked row: it is never published, and the later rows of its key flow again. The row stays, as
 * `discarded`, for the record. Only a parked row can be discarded: a pending one may be in a relay's hands.
 */
export async function discardParked(client: ClientBase, id: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE outbox SET state = 'discarded', resolved_at = now() WHERE state = 'parked' AND id = $1::bigint`,
    [checkedId(id)],
  );
  await client.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  return rowCount === 1;
}

function checkedId(id: string): string {
  if (!/^\d{1,19}$/.test(id)) throw new Error(`"${id}" is not an outbox row id (a whole number, see \`outbox list\`)`);
  return id;
}
