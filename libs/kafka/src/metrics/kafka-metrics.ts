import { Counter, Gauge, Histogram, register as defaultRegistry } from 'prom-client';
import type { Registry } from 'prom-client';

/** Prometheus metrics of the plumbing; the service exposes them at /metrics with its own. */
export class KafkaMetrics {
  readonly produced: Counter<'topic' | 'type'>;
  readonly consumed: Counter<'group' | 'type' | 'outcome'>;
  readonly handlerDuration: Histogram<'group' | 'type'>;
  readonly retries: Counter<'group' | 'type' | 'code'>;
  readonly deadLettered: Counter<'group' | 'code'>;
  readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  private readonly blocked = new Map<string, () => readonly { since: number }[]>();

  constructor(readonly registry: Registry = defaultRegistry) {
    const registers = [registry];
    this.produced = new Counter({
      name: 'kafka_events_produced_total',
      help: 'Events published, by topic and event type',
      labelNames: ['topic', 'type'],
      registers,
    });
    this.consumed = new Counter({
      name: 'kafka_events_consumed_total',
      help: 'Records consumed, by outcome: handled, skipped (no handler in this group) or dead_lettered',
      labelNames: ['group', 'type', 'outcome'],
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'kafka_handler_duration_seconds',
      help: 'Time spent in event handlers, per attempt',
      labelNames: ['group', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.retries = new Counter({
      name: 'kafka_handler_retries_total',
      help: 'Retries after retryable handler failures',
      labelNames: ['group', 'type', 'code'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'kafka_dead_letters_total',
      help: 'Records sent to the dead-letter topic, by error code',
      labelNames: ['group', 'code'],
      registers,
    });
    this.lag = new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Records between the last one handled and the end of the partition, as seen at the last batch',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    const blocked = this.blocked;
    new Gauge({
      name: 'kafka_consumer_paused_partitions',
      help: 'Partitions held at a failing record while it is retried (a dependency down, or a bug being retried)',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const [group, held] of blocked) this.set({ group }, held().length);
      },
    });
    new Gauge({
      name: 'kafka_consumer_retry_age_seconds',
      help: 'How long the oldest record held by a failure has been retried (0 when none is)',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const [group, held] of blocked) {
          const oldest = Math.min(now, ...held().map((retry) => retry.since));
          this.set({ group }, (now - oldest) / 1000);
        }
      },
    });
  }

  /** The runtime of `group` reports the records it holds, read at scrape time. */
  trackBlocked(group: string, held: () => readonly { since: number }[]): void {
    this.blocked.set(group, held);
  }

  untrackBlocked(group: string): void {
    this.blocked.delete(group);
  }
}
