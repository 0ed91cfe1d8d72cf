import { EventPublisher, classifyError } from '@kafka-platform/kafka';
import type { EventToPublish } from '@kafka-platform/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Notification, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { OUTBOX_CHANNEL } from './outbox';
import type { StoredMetadata } from './outbox';
import { OutboxMetrics } from './outbox-metrics';

export interface OutboxRelayOptions {
  /** Rows published per round (one Kafka request per round). */
  readonly batchSize: number;
  /** Fallback poll when no notification arrives (a lost LISTEN connection, rows written by another tool). */
  readonly pollIntervalMs: number;
  readonly maxBackoffMs: number;
  /** Sent rows are kept this long for audit, then deleted. */
  readonly keepSentForMs: number;
}

export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

interface PendingRow {
  id: string;
  event_id: string;
  event_type: string;
  version: number;
  key: string;
  payload: unknown;
  metadata: StoredMetadata;
}

/**
 * Publishes pending outbox rows, oldest first, and marks them sent in the transaction that locked them.
 * - Never a "last id seen" cursor: every round reads all rows still pending, so a row that commits late is
 *   picked up whenever it appears.
 * - Row locks with SKIP LOCKED: relays in other instances take other rows, never the same row at once.
 * - Order per key: a row is published only when no earlier pending row of its key is outside this round
 *   (locked by another relay, or beyond the batch), so one user's events leave in the order they were written.
 * - Kafka down: the round fails, the rows stay pending, the relay backs off and drains them when Kafka returns.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private listener?: PoolClient;
  private failures = 0;
  private lastCleanup = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly metrics: OutboxMetrics,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly options: OutboxRelayOptions,
  ) {}

  async onApplicationBootstrap() {
    this.running = true;
    await this.listen().catch((error: unknown) =>
      this.logger.warn(`LISTEN ${OUTBOX_CHANNEL} failed, polling only: ${(error as Error).message}`),
    );
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.listener?.release();
  }

  /** One round: publishes what is ready and returns how many rows were sent. */
  async relayOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const ready = await this.lockReadyRows(manager);
      if (ready.length === 0) return 0;
      await this.publisher.publishAll(ready.map(toEvent));
      await manager.query(
        `UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1)`,
        [ready.map((row) => row.id)],
      );
      this.metrics.published.inc(ready.length);
      return ready.length;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.relayOnce();
        this.failures = 0;
        await this.cleanup();
      } catch (error) {
        await this.recordFailure(error);
      }
      if (!this.running) break;
      if (this.failures > 0) await this.sleep(this.backoffMs());
      else if (sent < this.options.batchSize) await this.sleep(this.options.pollIntervalMs);
    }
  }

  private async lockReadyRows(manager: EntityManager): Promise<PendingRow[]> {
    const rows: PendingRow[] = await manager.query(
      `SELECT id, event_id, event_type, version, key, payload, metadata FROM outbox
        WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [this.options.batchSize],
    );
    if (rows.length === 0) return rows;
    // The first pending row of each key that this round does not hold: nothing of that key after it may go.
    const gaps: { key: string; gap: string }[] = await manager.query(
      `SELECT key, min(id)::text AS gap FROM outbox
        WHERE sent_at IS NULL AND key = ANY($1) AND NOT (id = ANY($2)) GROUP BY key`,
      [[...new Set(rows.map((row) => row.key))], rows.map((row) => row.id)],
    );
    const gapOf = new Map(gaps.map(({ key, gap }) => [key, BigInt(gap)]));
    return rows.filter((row) => {
      const gap = gapOf.get(row.key);
      return gap === undefined || BigInt(row.id) < gap;
    });
  }

  private async recordFailure(error: unknown) {
    this.failures += 1;
    this.metrics.failures.inc();
    const { code, retryable } = classifyError(error);
    const message = (error as Error).message;
    // Logged on the first failure and then sparingly: an outage would otherwise log every backoff round.
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.logger.warn(
        `publishing the outbox failed (${code}, retryable=${retryable}, attempt ${this.failures}): ${message}`,
      );
    }
    await this.dataSource
      .query(
        `UPDATE outbox SET attempts = attempts + 1, last_error = $1
          WHERE id = (SELECT id FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1)`,
        [`${code}: ${message}`.slice(0, 1000)],
      )
      .catch(() => undefined);
  }

  private backoffMs(): number {
    const exponential = Math.min(this.options.maxBackoffMs, 200 * 2 ** Math.min(this.failures, 16));
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  private async cleanup() {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await this.dataSource.query(`DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)`, [
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

  private async listen() {
    const driver = this.dataSource.driver as unknown as { master: { connect(): Promise<PoolClient> } };
    const client = await driver.master.connect();
    client.on('notification', (_message: Notification) => this.wake?.());
    client.on('error', (error: Error) => this.logger.warn(`outbox LISTEN connection failed: ${error.message}`));
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = client;
  }
}

function toEvent(row: PendingRow): EventToPublish {
  return {
    type: row.event_type,
    payload: row.payload,
    options: {
      version: row.version,
      eventId: row.event_id,
      occurredAt: new Date(row.metadata.occurredAt),
      correlationId: row.metadata.correlationId,
      causationId: row.metadata.causationId,
      traceparent: row.metadata.traceparent,
    },
  };
}
