import { randomUUID } from 'node:crypto';
import { EventPublisher, classifyError } from '@kafka-platform/kafka';
import type { EventEnvelope, FailureClass, PreparedEvent } from '@kafka-platform/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { inTransaction, ownPool } from '../postgres/own-pool';
import { PgListener } from '../postgres/pg-listener';
import { OUTBOX_RELAY_MODE } from './cdc/outbox-relay-mode';
import type { OutboxRelayMode } from './cdc/outbox-relay-mode';
import { OUTBOX_CHANNEL } from './outbox';
import type { StoredMetadata } from './outbox';
import { OutboxMetrics } from './outbox-metrics';

export interface OutboxRelayOptions {
  /**
   * Rows claimed per round when the outbox is quiet (one Kafka request per topic per round). While a backlog
   * fills every round the size doubles, up to maxBatchSize, and it halves back as rounds come up short.
   */
  readonly batchSize: number;
  readonly maxBatchSize: number;
  /** Fallback poll when no notification arrives (LISTEN down, rows written by another tool). */
  readonly pollIntervalMs: number;
  /** Cap of the backoff after failures (a row's own, and the relay's when a whole round failed). */
  readonly maxBackoffMs: number;
  /** Sent rows are kept this long for audit, then deleted. */
  readonly keepSentForMs: number;
  /** How long a relay's claim on rows lasts; another relay may take them after that (it crashed or hangs). */
  readonly claimMs: number;
  /** A publish still unanswered after this is given up (and retried); well below claimMs. */
  readonly publishTimeoutMs: number;
  /** Failures that say the row can never go (unknown type or topic, invalid payload, ACL denial) before parking. */
  readonly parkAfterFailures: number;
}

export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

interface ClaimedRow {
  id: string;
  event_id: string;
  event_type: string;
  version: number;
  key: string;
  payload: unknown;
  metadata: StoredMetadata;
  attempts: number;
}

type RowOutcome = { readonly sent: true } | { readonly failure: FailureClass } | { readonly held: true };

interface RoundResult {
  readonly claimed: number;
  readonly sent: number;
  readonly failed: number;
}

interface Claim {
  readonly rows: ClaimedRow[];
  /** The rows it asked for (the batch size when it was taken). */
  readonly limit: number;
  /** Pending rows found (at most the claim's limit), whether or not they could go now. */
  readonly candidates: number;
  /** Candidates left for a later round because an earlier row of their key is still open. */
  readonly heldBack: number;
}

const NOTHING: RoundResult = { claimed: 0, sent: 0, failed: 0 };
const FAILED: RoundResult = { claimed: 1, sent: 0, failed: 1 };

/**
 * Publishes outbox rows, oldest first, ordered per key, with at-least-once delivery:
 *
 * 1. Claim (a short transaction): rows that are pending and available, `FOR UPDATE SKIP LOCKED` so relays of other
 *    instances take other rows, minus every row that has an earlier open (pending or parked) row of its key outside
 *    this claim. The claim is written (`claimed_by`, `available_at = now() + claimMs`) and committed.
 * 2. Publish, outside any transaction, bounded by publishTimeoutMs. A row whose encoding or topic request failed
 *    holds back the later rows of its key in this round.
 * 3. Settle (a short transaction): published rows become `sent`; failed rows record their own error and wait a
 *    backoff; a row refused `parkAfterFailures` times for good (poison: an unknown type or topic, an invalid
 *    payload, an ACL denial) is `parked`.
 *
 * Why it cannot lose or reorder: a row becomes `sent` only after Kafka acknowledged it (acks=all), and is never
 * deleted before (only sent rows are cleaned up, after a week). A later row of a key is never claimed while an
 * earlier one is open (pending, claimed elsewhere, or parked), so a key's events are sent in write order, in one
 * request per round (a key maps to one partition, kept in order by the idempotent producer). What can happen is a
 * duplicate: a relay that dies (or hangs past its claim) after Kafka acknowledged but before settling leaves the
 * rows to be claimed and published again, with the same event ids, which consumers' inboxes drop. Nothing keeps a
 * transaction or a row lock open while Kafka is slow or down.
 *
 * Throughput: the relay has two connections of its own (claims never queue behind request transactions in the
 * service's pool); a round's settle runs while the next round claims and publishes, and under a backlog the next
 * claim runs while this round publishes. Neither can reorder a key: rows being published or settled are still
 * open, so a claim leaves every later row of their keys for after.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly relayId = randomUUID();
  private readonly listener: PgListener;
  private readonly pool: Pool;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** A notification came since the last claim began: rows may be waiting, so no sleep. */
  private notified = false;
  private settleInFlight = false;
  private failedRounds = 0;
  private lastCleanup = 0;
  private batchSize: number;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly metrics: OutboxMetrics,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly options: OutboxRelayOptions,
    @Inject(OUTBOX_RELAY_MODE) private readonly mode: OutboxRelayMode = 'polling',
  ) {
    this.batchSize = options.batchSize;
    this.pool = ownPool(dataSource, { max: 2, applicationName: 'outbox-relay' });
    this.listener = new PgListener(PgListener.configOf(dataSource), OUTBOX_CHANNEL, {
      onNotify: () => this.nudge(),
      // Rows committed while LISTEN was down sent their NOTIFY into the void: look now.
      onConnect: () => this.nudge(),
      logger: this.logger,
    });
    this.metrics.observeListener(() => this.listener.listening);
  }

  async onApplicationBootstrap() {
    // CDC mode: Debezium publishes (outbox_cdc); this relay must not publish as well.
    if (this.mode === 'cdc') return this.notePendingRows();
    this.running = true;
    await this.listener.start();
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.listener.stop();
    await this.pool.end();
  }

  /**
   * CDC mode's two ways to lose events, said at start: rows written before a switch stay in `outbox` unpublished
   * (drain them in polling mode first: in order per key they go before the key's CDC records), and with no
   * replication slot on this database nothing reads `outbox_cdc` (Debezium starts from its slot's creation: rows
   * written before the connector is registered are never published).
   */
  private async notePendingRows() {
    const { rows } = await this.pool.query<{ pending: string; slots: string }>(
      `SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending,
              (SELECT count(*) FROM pg_replication_slots
                WHERE database = current_database() AND plugin = 'pgoutput') AS slots`,
    );
    const { pending, slots } = rows[0] as { pending: string; slots: string };
    if (Number(pending) > 0) {
      this.logger.warn(
        `OUTBOX_RELAY=cdc: ${pending} row(s) of the polling outbox are still pending and will not be published; run with OUTBOX_RELAY=polling until they are sent, then switch`,
      );
    }
    if (Number(slots) === 0) {
      this.logger.error(
        'OUTBOX_RELAY=cdc: no logical replication slot on this database, so no connector reads outbox_cdc and events written now are never published; register the Debezium connector (npm run stack:up -- --with connect) before writing',
      );
    }
  }

  /** One round, settled before it returns: publishes what is ready and returns how many rows were sent. */
  async relayOnce(): Promise<number> {
    const { rows } = await this.claim();
    return rows.length === 0 ? 0 : (await this.settle(rows, await this.publish(rows))).sent;
  }

  private async run(): Promise<void> {
    let settling: Promise<RoundResult> = Promise.resolve(NOTHING);
    let next: Promise<Claim> | undefined;
    while (this.running) {
      let result = NOTHING;
      let asked = this.batchSize;
      try {
        this.notified = false;
        const pending = next ?? this.claim();
        next = undefined;
        const claim = await pending;
        asked = claim.limit;
        const overlapped = this.settleInFlight;
        const publishing = claim.rows.length > 0 ? this.publish(claim.rows) : undefined;
        // A backlog (this claim came back full, the last round went out): the database claims the next round while
        // Kafka takes this one.
        if (publishing && claim.candidates >= claim.limit && this.failedRounds === 0) next = this.prefetch();
        const outcomes = await publishing;
        // The previous round settled while this one claimed and published; this one settles during the next.
        const previous = await settling.catch((error: unknown) => {
          this.logFailure(classifyError(error), 'settling an outbox round failed');
          return FAILED;
        });
        settling = outcomes ? this.startSettle(claim.rows, outcomes) : Promise.resolve(NOTHING);
        result = { ...previous, claimed: claim.rows.length };
        // Rows held back only because the previous round was still settling are ready now: no sleep.
        if (claim.heldBack > 0 && overlapped) this.notified = true;
        this.resize(claim.candidates, claim.limit);
        await this.cleanup();
      } catch (error) {
        // The database itself failed (a claim): the rows stay as they were; try again after a backoff.
        result = FAILED;
        this.logFailure(classifyError(error), 'the outbox round failed');
      }
      if (!this.running) break;
      this.failedRounds = result.failed > 0 && result.sent === 0 ? this.failedRounds + 1 : 0;
      if (this.failedRounds > 0) await this.sleep(this.backoffMs(this.failedRounds));
      else if (!next && result.claimed < asked && !this.notified) await this.sleep(this.options.pollIntervalMs);
    }
    await settling.catch((error: unknown) => this.logFailure(classifyError(error), 'settling an outbox round failed'));
    await this.release(next);
  }

  /**
   * The next round's claim, taken while the current round publishes. It cannot reorder a key: the current round's
   * rows are still open, so this claim leaves every later row of their keys for after.
   */
  private prefetch(): Promise<Claim> {
    const claim = this.claim();
    claim.catch(() => undefined); // awaited (and its failure handled) by the next round
    return claim;
  }

  /** Hands back a claim taken for a round that never ran (the relay stopped): other relays need not wait claimMs. */
  private async release(claim: Promise<Claim> | undefined): Promise<void> {
    const rows = (await claim?.catch(() => undefined))?.rows ?? [];
    if (rows.length === 0) return;
    await this.settle(rows, new Map(rows.map((row) => [row, { held: true } as const]))).catch((error: unknown) =>
      this.logFailure(classifyError(error), 'handing back an outbox claim failed'),
    );
  }

  private startSettle(rows: readonly ClaimedRow[], outcomes: ReadonlyMap<ClaimedRow, RowOutcome>) {
    this.settleInFlight = true;
    const settled = this.settle(rows, outcomes).finally(() => (this.settleInFlight = false));
    settled.catch(() => undefined); // awaited (and its failure handled) by the next round
    return settled;
  }

  /** Doubles the claim while rounds find it full (a backlog), halves it while they find it half empty. */
  private resize(found: number, limit: number): void {
    const { batchSize, maxBatchSize } = this.options;
    if (found >= limit) this.batchSize = Math.min(maxBatchSize, limit * 2);
    else if (found < limit / 2) this.batchSize = Math.max(batchSize, Math.floor(limit / 2));
  }

  private nudge(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Claims the ready rows for claimMs; committed before anything is sent. */
  private claim(): Promise<Claim> {
    const limit = this.batchSize;
    return inTransaction(this.pool, async (client) => {
      const { rows: candidates } = await client.query<{ id: string; key: string }>(
        `SELECT id, key FROM outbox
          WHERE state = 'pending' AND available_at <= now()
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (candidates.length === 0) return { rows: [], limit, candidates: 0, heldBack: 0 };
      // Per key, the first open row this claim does not hold: nothing of that key after it may go now.
      // One index probe per key (outbox_open_key, in id order, stopping at the first row outside this claim): a
      // GROUP BY over every open row of a busy key read all of them each round.
      const { rows: gaps } = await client.query<{ key: string; gap: string | null }>(
        `SELECT keys.key,
                (SELECT min(id)::text FROM outbox
                  WHERE state IN ('pending', 'parked') AND key = keys.key AND NOT (id = ANY($2))) AS gap
           FROM unnest($1::text[]) AS keys(key)`,
        [[...new Set(candidates.map((row) => row.key))], candidates.map((row) => row.id)],
      );
      const gapOf = new Map(gaps.flatMap(({ key, gap }) => (gap === null ? [] : [[key, BigInt(gap)] as const])));
      const ready = candidates.filter((row) => {
        const gap = gapOf.get(row.key);
        return gap === undefined || BigInt(row.id) < gap;
      });
      const heldBack = candidates.length - ready.length;
      if (ready.length === 0) return { rows: [], limit, candidates: candidates.length, heldBack };
      const { rows } = await client.query<ClaimedRow>(
        `UPDATE outbox SET claimed_by = $1, available_at = now() + make_interval(secs => $2)
          WHERE id = ANY($3)
          RETURNING id, event_id, event_type, version, key, payload, metadata, attempts`,
        [this.relayId, this.options.claimMs / 1000, ready.map((row) => row.id)],
      );
      return { rows, limit, candidates: candidates.length, heldBack };
    });
  }

  /** Encodes each row, holds back rows behind a failure of their key, sends the rest; an outcome per row. */
  private async publish(rows: readonly ClaimedRow[]): Promise<Map<ClaimedRow, RowOutcome>> {
    const ordered = [...rows].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
    const outcomes = new Map<ClaimedRow, RowOutcome>();
    const prepared = await Promise.allSettled(
      ordered.map((row) => this.publisher.prepareEnvelope(storedEnvelope(row))),
    );
    const failedKeys = new Set<string>();
    const toSend: { row: ClaimedRow; event: PreparedEvent }[] = [];
    ordered.forEach((row, index) => {
      const result = prepared[index] as PromiseSettledResult<PreparedEvent>;
      if (failedKeys.has(row.key)) outcomes.set(row, { held: true });
      else if (result.status === 'rejected') {
        outcomes.set(row, { failure: classifyError(result.reason) });
        failedKeys.add(row.key);
      } else toSend.push({ row, event: result.value });
    });
    if (toSend.length === 0) return outcomes;
    const sent = await withTimeout(
      this.publisher.send(toSend.map((item) => item.event)),
      this.options.publishTimeoutMs,
    ).catch((error: unknown) => toSend.map(() => ({ ok: false as const, error })));
    toSend.forEach(({ row }, index) => {
      const outcome = sent[index];
      outcomes.set(row, outcome?.ok ? { sent: true } : { failure: classifyError(outcome?.error) });
    });
    return outcomes;
  }

  /** Records every outcome on its own row, as long as the claim is still ours. */
  private async settle(
    rows: readonly ClaimedRow[],
    outcomes: ReadonlyMap<ClaimedRow, RowOutcome>,
  ): Promise<RoundResult> {
    const sent = rows.filter((row) => 'sent' in (outcomes.get(row) ?? {})).map((row) => row.id);
    const held = rows.filter((row) => 'held' in (outcomes.get(row) ?? {})).map((row) => row.id);
    const failed = rows.flatMap((row) => {
      const outcome = outcomes.get(row);
      return outcome && 'failure' in outcome ? [{ row, failure: outcome.failure }] : [];
    });
    await inTransaction(this.pool, async (client) => {
      if (sent.length > 0) {
        await client.query(
          `UPDATE outbox SET state = 'sent', sent_at = now(), attempts = attempts + 1, claimed_by = NULL
            WHERE id = ANY($1) AND claimed_by = $2`,
          [sent, this.relayId],
        );
      }
      if (held.length > 0) {
        await client.query(
          `UPDATE outbox SET claimed_by = NULL, available_at = now() WHERE id = ANY($1) AND claimed_by = $2`,
          [held, this.relayId],
        );
      }
      for (const { row, failure } of failed) {
        // Only a verdict that the row can never go (an unknown type or topic, an invalid payload, an ACL denial)
        // counts towards parking; an outage or an error nobody classified waits, however long it lasts.
        const counts = failure.kind === 'poison';
        await client.query(
          `UPDATE outbox SET
              attempts = attempts + 1,
              failures = failures + $3::int,
              last_error = $4, last_error_at = now(), claimed_by = NULL,
              available_at = now() + make_interval(secs => $5),
              state = CASE WHEN failures + $3::int >= $6 THEN 'parked' ELSE state END,
              parked_at = CASE WHEN failures + $3::int >= $6 THEN now() ELSE parked_at END
            WHERE id = $1 AND claimed_by = $2`,
          [
            row.id,
            this.relayId,
            counts ? 1 : 0,
            `${failure.code}: ${failure.message}`.slice(0, 1000),
            this.backoffMs(row.attempts + 1) / 1000,
            this.options.parkAfterFailures,
          ],
        );
      }
    });
    for (const { row, failure } of failed) this.logRowFailure(row, failure);
    if (sent.length > 0) this.metrics.published.inc(sent.length);
    if (failed.length > 0) this.metrics.failures.inc(failed.length);
    return { claimed: rows.length, sent: sent.length, failed: failed.length };
  }

  private logRowFailure(row: ClaimedRow, failure: FailureClass) {
    // The first failure of a row and then every tenth: an outage would otherwise log every round of every row.
    if (row.attempts === 0 || (row.attempts + 1) % 10 === 0) {
      this.logFailure(failure, `outbox row ${row.id} (${row.event_type}, key ${row.key}) not published`);
    }
  }

  private logFailure(failure: FailureClass, what: string) {
    this.logger.warn(`${what} (${failure.code}, ${failure.kind}): ${failure.message}`);
  }

  private backoffMs(attempt: number): number {
    const exponential = Math.min(this.options.maxBackoffMs, 200 * 2 ** Math.min(attempt, 16));
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  private async cleanup() {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.pool.query(`DELETE FROM outbox WHERE state = 'sent' AND sent_at < now() - make_interval(secs => $1)`, [
      this.options.keepSentForMs / 1000,
    ]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The envelope Outbox.add built, as the row stores it; the row's id is its place in the outbox (`sequence`). */
function storedEnvelope(row: ClaimedRow): EventEnvelope {
  const { occurredAt, correlationId, causationId, traceparent } = row.metadata;
  return {
    id: row.event_id,
    type: row.event_type,
    version: row.version,
    occurredAt,
    correlationId,
    causationId,
    traceparent,
    sequence: row.id,
    key: row.key,
    payload: row.payload,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`Kafka did not acknowledge within ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
