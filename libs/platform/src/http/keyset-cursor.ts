import { createHash } from 'node:crypto';
import { BadRequestException } from '@nestjs/common';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Where a newest-first listing stopped: the last row's timestamp and id. The timestamp keeps PostgreSQL's
 * microseconds; a JavaScript Date would round them to milliseconds, and the next page would then skip the rows
 * written later in that same millisecond.
 */
export interface KeysetPosition {
  /** UTC with six fractional digits, e.g. 2025-11-24T10:15:30.123456Z. */
  readonly at: string;
  readonly id: string;
}

/** One page of a newest-first listing. */
export interface KeysetPage<T> {
  readonly items: T[];
  /** What to pass as `after` for the next page; null on the last one. */
  readonly nextCursor: string | null;
}

/** The columns a listing is ordered by, newest first: a timestamptz and a uuid that breaks its ties. */
export interface KeysetColumns {
  readonly time: string;
  readonly id: string;
}

// The year is never 0000: PostgreSQL has no year 0 and would answer the query with an error, a 500.
const AT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SEPARATOR = '/';
const CHECK_BYTES = 6;
// A payload is 64 bytes and its check 6: 94 characters of base64url. A longer cursor is not worth decoding.
const MAX_CURSOR_LENGTH = 100;
// The format AT describes, from PostgreSQL's to_char.
const PG_AT_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const INVALID = 'must be the nextCursor of an earlier page, unchanged';

export function encodeKeysetCursor({ at, id }: KeysetPosition): string {
  const payload = Buffer.from(`${at}${SEPARATOR}${id}`, 'utf8');
  return Buffer.concat([payload, checkOf(payload)]).toString('base64url');
}

/** The position a cursor stands for, or undefined for anything encodeKeysetCursor did not write. */
export function decodeKeysetCursor(cursor: string): KeysetPosition | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  // Buffer skips what it cannot decode and ignores stray bits: only the one spelling of a payload is a cursor.
  if (bytes.length <= CHECK_BYTES || bytes.toString('base64url') !== cursor) return undefined;
  const payload = bytes.subarray(0, -CHECK_BYTES);
  if (!checkOf(payload).equals(bytes.subarray(-CHECK_BYTES))) return undefined;
  const [at = '', id = '', ...rest] = payload.toString('utf8').split(SEPARATOR);
  return rest.length === 0 && isInstant(at) && ID.test(id) ? { at, id } : undefined;
}

// A checksum, not a signature: an edited or cut-off cursor is refused rather than read as another position. One
// forged on purpose only starts a listing the caller may read anyway at a place of its choosing.
function checkOf(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest().subarray(0, CHECK_BYTES);
}

// Date.parse rolls 2025-02-30 over into March, where PostgreSQL would refuse it: only a real instant is taken.
function isInstant(at: string): boolean {
  if (!AT.test(at)) return false;
  const ms = Date.parse(at);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 23) === at.slice(0, 23);
}

/** What is wrong with an `after` query parameter as it arrives, or undefined (also when it is absent). */
export function keysetCursorProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return 'must be given once';
  return typeof value === 'string' && decodeKeysetCursor(value) ? undefined : INVALID;
}

/**
 * The page of `query` after the cursor `after` (from the start without one), newest first by `columns`. Keyset,
 * not OFFSET: with an index on (time DESC, id DESC), which the table must have, the database seeks straight to
 * the position, so a deep page costs what the first one does, and rows written meanwhile make no row repeat or
 * go missing. `query` selects one entity with nothing joined, as the page is cut by rows. An invalid `after` is
 * a 400 naming it, should a DTO have let it through.
 */
export async function newestFirstPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  columns: KeysetColumns,
  { limit, after }: { limit: number; after?: string },
): Promise<KeysetPage<T>> {
  const position = after === undefined ? undefined : positionOf(after);
  const time = `${query.escape(query.alias)}.${query.escape(columns.time)}`;
  const id = `${query.escape(query.alias)}.${query.escape(columns.id)}`;
  query
    .addSelect(`to_char(${time} AT TIME ZONE 'UTC', ${PG_AT_FORMAT})`, 'keyset_at')
    .addSelect(id, 'keyset_id')
    .orderBy(time, 'DESC')
    .addOrderBy(id, 'DESC')
    // One row more than asked: whether it comes tells if there is a next page, without counting the table.
    .limit(limit + 1);
  if (position) {
    query.andWhere(`(${time}, ${id}) < (CAST(:keysetAt AS timestamptz), CAST(:keysetId AS uuid))`, {
      keysetAt: position.at,
      keysetId: position.id,
    });
  }
  const { entities, raw } = await query.getRawAndEntities<{ keyset_at: string; keyset_id: string }>();
  const last = raw.length > limit ? raw[limit - 1] : undefined;
  return {
    items: entities.slice(0, limit),
    nextCursor: last ? encodeKeysetCursor({ at: last.keyset_at, id: last.keyset_id }) : null,
  };
}

function positionOf(after: string): KeysetPosition {
  const position = decodeKeysetCursor(after);
  if (position) return position;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: 'Validation failed',
    errors: [{ field: 'after', messages: [INVALID] }],
  });
}
