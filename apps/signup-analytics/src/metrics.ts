import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What one committed batch did, as the metrics count it. */
export interface BatchOutcome {
  /** Input records read for the first time (a repeated batch counts nothing). */
  readonly records: number;
  /** Signups dropped as late in this batch. */
  readonly lateDropped: number;
  /** Windows open after the batch. */
  readonly openWindows: number;
}

/**
 * The processor's Prometheus metrics (GET /metrics on the management port) and the state /health reports.
 * Counters count this process's work since it started, as Prometheus counters do; rate() spans restarts.
 */
export class AnalyticsMetrics {
  readonly registry = new Registry();
  private state: 'starting' | 'running' | 'failed' = 'starting';
  private readonly records = new Counter({
    name: 'signup_analytics_records_processed_total',
    help: 'user-events records processed (each counted once, in the batch that committed it)',
    registers: [this.registry],
  });
  private readonly late = new Counter({
    name: 'signup_analytics_late_dropped_total',
    help: 'Signups dropped because their window had closed (watermark past its end plus the grace)',
    registers: [this.registry],
  });
  private readonly windows = new Gauge({
    name: 'signup_analytics_windows_open',
    help: 'Windows (minute and locale) counted but not closed yet',
    registers: [this.registry],
  });
  // 1 while it consumes (state restored), 0 while it starts or after it failed: what the StreamProcessorNotRunning
  // alert watches (deploy/prometheus/alerts.yml), as ConsumerNotRunning watches the services' kafka_consumer_running.
  private readonly runningGauge = new Gauge({
    name: 'signup_analytics_running',
    help: '1 while the processor consumes (state restored), else 0',
    registers: [this.registry],
  });
  private readonly transactions = new Counter({
    name: 'signup_analytics_transactions_total',
    help: 'Kafka transactions ended, by outcome (committed or aborted)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** `service`: a label on every series, as the services' registries have it, so the alert rules group by it. */
  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.runningGauge.set(0);
    // Both outcomes from the start, so an alert on aborts sees 0 rather than no series.
    this.transactions.inc({ outcome: 'committed' }, 0);
    this.transactions.inc({ outcome: 'aborted' }, 0);
  }

  /** The state is restored and the consumer runs. */
  running(): void {
    this.state = 'running';
    this.runningGauge.set(1);
  }

  /** The processor stopped on an error: the process exits, and a restart restores the committed state. */
  failed(): void {
    this.state = 'failed';
    this.runningGauge.set(0);
  }

  get health(): 'starting' | 'running' | 'failed' {
    return this.state;
  }

  batchCommitted({ records, lateDropped, openWindows }: BatchOutcome): void {
    this.records.inc(records);
    this.late.inc(lateDropped);
    this.windows.set(openWindows);
  }

  transactionEnded(outcome: 'committed' | 'aborted'): void {
    this.transactions.inc({ outcome });
  }
}
