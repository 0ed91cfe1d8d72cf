import { METRICS_REGISTRY } from '@kafka-platform/core';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';

interface OutboxSnapshot {
  readonly pending: number;
  readonly parked: number;
  readonly age: number;
}

const UNKNOWN: OutboxSnapshot = { pending: Number.NaN, parked: Number.NaN, age: Number.NaN };

/**
 * The outbox seen from Prometheus: a growing backlog or an old pending row means the relay is not keeping up
 * (Kafka or the registry down); a parked row means an event failed for good and waits for a person
 * (`npm run outbox -- list`). See deploy/prometheus/alerts.yml.
 */
@Injectable()
export class OutboxMetrics {
  readonly published: Counter;
  readonly failures: Counter;
  private listening: () => boolean = () => false;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @InjectDataSource() dataSource: DataSource) {
    const registers = [registry];
    this.published = new Counter({ name: 'outbox_published_total', help: 'Outbox rows published', registers });
    this.failures = new Counter({
      name: 'outbox_publish_failures_total',
      help: 'Outbox rows whose publish attempt failed (each failed row counts once per attempt)',
      registers,
    });
    // Read at scrape time, one query for all: no per-row work on the write path.
    let snapshot: Promise<OutboxSnapshot> | undefined;
    const read = () =>
      (snapshot ??= dataSource
        .query(
          `SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
                  count(*) FILTER (WHERE state = 'parked')::int AS parked,
                  coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE state = 'pending')), 0)::float AS age
             FROM outbox WHERE state IN ('pending', 'parked')`,
        )
        .then(([row]: OutboxSnapshot[]) => row ?? UNKNOWN)
        // A scrape during a database outage still answers; NaN says "unknown" without failing /metrics.
        .catch(() => UNKNOWN)
        .finally(() => setImmediate(() => (snapshot = undefined))));
    new Gauge({
      name: 'outbox_pending_rows',
      help: 'Outbox rows not yet published (parked rows not included)',
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'outbox_parked_rows',
      help: 'Outbox rows that failed for good and wait for `npm run outbox -- retry|discard`',
      registers,
      async collect() {
        this.set((await read()).parked);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox row not yet published (0 when none)',
      registers,
      async collect() {
        this.set((await read()).age);
      },
    });
    const listening = () => this.listening();
    new Gauge({
      name: 'outbox_listener_connected',
      help: '1 while the relay LISTENs for new rows; 0 while it reconnects (it polls meanwhile)',
      registers,
      collect() {
        this.set(listening() ? 1 : 0);
      },
    });
  }

  /** The relay tells whether its LISTEN connection is up. */
  observeListener(listening: () => boolean): void {
    this.listening = listening;
  }
}
