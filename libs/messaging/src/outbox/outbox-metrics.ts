import { METRICS_REGISTRY } from '@kafka-platform/service';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';

/** The outbox seen from Prometheus: a growing backlog or an old pending row means the relay is not keeping up. */
@Injectable()
export class OutboxMetrics {
  readonly published: Counter;
  readonly failures: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, @InjectDataSource() dataSource: DataSource) {
    const registers = [registry];
    this.published = new Counter({ name: 'outbox_published_total', help: 'Outbox rows published', registers });
    this.failures = new Counter({ name: 'outbox_publish_failures_total', help: 'Relay rounds that failed', registers });
    // Read at scrape time, one query for both: no per-row work on the write path.
    let snapshot: Promise<{ pending: number; age: number }> | undefined;
    const read = () =>
      (snapshot ??= dataSource
        .query(
          `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS age
             FROM outbox WHERE sent_at IS NULL`,
        )
        .then(([row]: { pending: number; age: number }[]) => row ?? { pending: 0, age: 0 })
        // A scrape during a database outage still answers; NaN says "unknown" without failing /metrics.
        .catch(() => ({ pending: Number.NaN, age: Number.NaN }))
        .finally(() => setImmediate(() => (snapshot = undefined))));
    new Gauge({
      name: 'outbox_pending_rows',
      help: 'Outbox rows not yet published',
      registers,
      async collect() {
        this.set((await read()).pending);
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
  }
}
