import { Counter, Gauge, Histogram, register as defaultRegistry } from 'prom-client';
import type { Registry } from 'prom-client';
import type { LagSample } from './broker-lag';

/** Prometheus metrics of the plumbing; the service exposes them at /metrics with its own. */
export class KafkaMetrics {
  readonly produced: Counter<'topic' | 'type'>;
  readonly consumed: Counter<'group' | 'type' | 'outcome'>;
  readonly handlerDuration: Histogram<'group' | 'type'>;
  readonly retries: Counter<'group' | 'type' | 'code'>;
  readonly deadLettered: Counter<'group' | 'code'>;
  private readonly blocked = new Map<string, () => readonly { since: number }[]>();
  private readonly lags = new Map<string, () => Promise<readonly LagSample[]>>();
  private readonly running = new Map<string, () => boolean>();

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
    const running = this.running;
    new Gauge({
      name: 'kafka_consumer_running',
      help: "1 while this process's consumer of the group runs; 0 while it starts, restarts, or has crashed or stopped",
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const [group, isRunning] of running) this.set({ group }, isRunning() ? 1 : 0);
      },
    });
    const lags = this.lags;
    new Gauge({
      name: 'kafka_consumer_lag',
      help:
        "Records a consumer group has still to read: the partition's log end minus the group's committed offset " +
        '(from the log start), read from the brokers at scrape time, so it keeps growing while the consumer is down',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        const samples = (await Promise.all([...lags.values()].map((sample) => sample()))).flat();
        this.reset();
        for (const { group, topic, partition, lag } of samples)
          this.set({ group, topic, partition: String(partition) }, lag);
      },
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

  /** Whether this process's consumer of `group` runs, read at scrape time. */
  trackRunning(group: string, isRunning: () => boolean): void {
    this.running.set(group, isRunning);
  }

  /** `sample` reads the lag of `group` (see BrokerLag), at scrape time. */
  trackLag(group: string, sample: () => Promise<readonly LagSample[]>): void {
    this.lags.set(group, sample);
  }

  /** Forgets a group this process no longer runs (its lag and running gauges). */
  untrackGroup(group: string): void {
    this.lags.delete(group);
    this.running.delete(group);
  }
}
