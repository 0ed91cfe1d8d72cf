import { setTimeout as delay } from 'node:timers/promises';
import type {
  BatchControl,
  ConsumedBatch,
  ConsumedRecord,
  KafkaConsumerPort,
  KafkaProducerPort,
} from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import type { RetryPolicy } from '../config/kafka-config';
import { deadLetterRecord } from '../dlq/dead-letter';
import { fromHeaders } from '../envelope/event-envelope';
import type { EventEnvelope } from '../envelope/event-envelope';
import { classifyError } from '../errors/platform-error';
import type { FailureClass } from '../errors/platform-error';
import type { KafkaMetrics } from '../metrics/kafka-metrics';

export interface EventHandlerRegistration {
  readonly type: string;
  /** The schema version the handler reads; records of other versions are resolved into it. */
  readonly version: number;
  handle(event: EventEnvelope): Promise<void>;
}

export interface ConsumerRuntimeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly deadLetterTopic: (topic: string) => string;
  readonly handlers: readonly EventHandlerRegistration[];
  readonly retry: RetryPolicy;
  readonly shutdownTimeoutMs: number;
  /** Partitions handled in parallel (records of one partition always in order). */
  readonly concurrency?: number;
  readonly fromBeginning?: boolean;
  readonly heartbeatIntervalMs?: number;
}

export interface ConsumerRuntimeDeps {
  readonly consumer: KafkaConsumerPort;
  /** Writes dead letters; its own connection, so a slow DLQ write never holds up the service's publishing. */
  readonly producer: KafkaProducerPort;
  readonly codec: AvroCodec;
  readonly metrics?: KafkaMetrics;
  readonly log?: (level: 'error' | 'warn' | 'info', message: string, extra?: object) => void;
}

export type ConsumerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'crashed';

/** Thrown inside a batch when the runtime is stopping: the record is left unfinished and uncommitted. */
class Abandoned extends Error {}

/**
 * Runs one consumer group: decode, dispatch to the handler of each event type, commit after success, retry
 * retryable failures with backoff in place (keeping per-partition order), dead-letter the rest.
 */
export class ConsumerRuntime {
  private state: ConsumerState = 'idle';
  private lastError?: Error;
  private abandoned = false;
  private readonly handlers: ReadonlyMap<string, EventHandlerRegistration>;

  constructor(
    private readonly options: ConsumerRuntimeOptions,
    private readonly deps: ConsumerRuntimeDeps,
  ) {
    const byType = new Map<string, EventHandlerRegistration>();
    for (const handler of options.handlers) {
      if (byType.has(handler.type)) {
        throw new Error(`Group ${options.groupId} has two handlers for ${handler.type}; one event type, one handler`);
      }
      byType.set(handler.type, handler);
    }
    this.handlers = byType;
  }

  get status(): { state: ConsumerState; error?: string } {
    return { state: this.state, ...(this.lastError && { error: this.lastError.message }) };
  }

  async start(): Promise<void> {
    const { consumer, producer } = this.deps;
    this.state = 'starting';
    consumer.onCrash((error, restarting) => {
      this.lastError = error;
      this.state = restarting ? 'restarting' : 'crashed';
      this.deps.log?.('error', `consumer ${this.options.groupId} crashed`, { error: error.message, restarting });
    });
    consumer.onJoin(() => {
      if (this.state === 'starting' || this.state === 'restarting') this.state = 'running';
    });
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe(this.options.topics, { fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      concurrency: this.options.concurrency ?? 6,
      eachBatch: (batch, control) => this.handleBatch(batch, control),
    });
  }

  /**
   * Stops fetching, lets the records in flight finish within the deadline, commits only finished ones,
   * leaves the group. Work still running at the deadline is abandoned, never committed.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'idle') return;
    this.state = 'stopping';
    // The deadline timers are cancelled once the race is decided: left running they keep the process (and
    // Jest) alive for the whole timeout after a clean stop.
    const timers = new AbortController();
    const deadline = delay(this.options.shutdownTimeoutMs, 'timeout' as const, { signal: timers.signal }).catch(
      () => 'cancelled' as const,
    );
    const stopped = await Promise.race([this.deps.consumer.stop().then(() => 'stopped' as const), deadline]);
    if (stopped === 'timeout') {
      this.abandoned = true;
      this.deps.log?.(
        'warn',
        `consumer ${this.options.groupId}: handlers still running at the shutdown deadline; abandoned uncommitted`,
      );
    }
    await Promise.race([
      this.deps.consumer.disconnect(),
      delay(this.options.shutdownTimeoutMs, undefined, { signal: timers.signal }).catch(() => undefined),
    ]);
    timers.abort();
    await this.deps.producer.disconnect().catch(() => undefined);
    this.state = 'stopped';
  }

  private async handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    if (this.state === 'starting' || this.state === 'restarting') this.state = 'running';
    let last: ConsumedRecord | undefined;
    try {
      for (const record of batch.records) {
        if (!control.isRunning() || control.isStale() || this.abandoned) break;
        await this.handleRecord(record, control);
        control.markDone(record.offset);
        last = record;
      }
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
    } finally {
      // Finished work is committed even when a DLQ write failed: only the failed record is redelivered.
      if (!this.abandoned) await control.commit();
      if (last) this.recordLag(batch, last);
    }
  }

  private async handleRecord(record: ConsumedRecord, control: BatchControl): Promise<void> {
    const { retry } = this.options;
    let type = 'unknown';
    for (let attempt = 1; ; attempt++) {
      try {
        const metadata = fromHeaders(record.headers);
        type = metadata.type;
        const handler = this.handlers.get(type);
        if (!handler) {
          this.deps.metrics?.consumed.inc({ group: this.options.groupId, type, outcome: 'skipped' });
          return;
        }
        const payload = await this.deps.codec.decode(record.value, type, handler.version);
        const key = record.key?.toString('utf8') ?? '';
        await this.timed(type, () => this.withHeartbeat(control, () => handler.handle({ ...metadata, key, payload })));
        this.deps.metrics?.consumed.inc({ group: this.options.groupId, type, outcome: 'handled' });
        return;
      } catch (error) {
        const failure = classifyError(error);
        if (!failure.retryable || attempt >= retry.maxAttempts) {
          await this.deadLetter(record, failure, attempt, type);
          return;
        }
        this.deps.metrics?.retries.inc({ group: this.options.groupId, type, code: failure.code });
        await this.backoff(attempt, control);
      }
    }
  }

  private async deadLetter(record: ConsumedRecord, failure: FailureClass, attempts: number, type: string) {
    const { groupId } = this.options;
    await this.deps.producer.send(this.options.deadLetterTopic(record.topic), [
      deadLetterRecord(record, failure, { group: groupId, attempts }),
    ]);
    this.deps.metrics?.deadLettered.inc({ group: groupId, code: failure.code });
    this.deps.metrics?.consumed.inc({ group: groupId, type, outcome: 'dead_lettered' });
    this.deps.log?.('warn', `dead-lettered ${record.topic}/${record.partition}/${record.offset}`, {
      group: groupId,
      code: failure.code,
      attempts,
      error: failure.message,
    });
  }

  /** Exponential backoff with full jitter, heart-beating so the partition is not taken away meanwhile. */
  private async backoff(attempt: number, control: BatchControl): Promise<void> {
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
    const until = Date.now() + ceiling / 2 + Math.random() * (ceiling / 2);
    while (Date.now() < until) {
      if (!control.isRunning() || control.isStale() || this.abandoned) throw new Abandoned();
      await control.heartbeat();
      await delay(Math.min(500, until - Date.now()));
    }
  }

  /** A handler longer than the session timeout would lose its partition; beat while it runs. */
  private async withHeartbeat<T>(control: BatchControl, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      // A handler abandoned at shutdown may never return; its heartbeats end with the runtime.
      if (this.state === 'stopped') clearInterval(timer);
      else control.heartbeat().catch(() => undefined);
    }, this.options.heartbeatIntervalMs ?? 3000).unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async timed<T>(type: string, work: () => Promise<T>): Promise<T> {
    const end = this.deps.metrics?.handlerDuration.startTimer({ group: this.options.groupId, type });
    try {
      return await work();
    } finally {
      end?.();
    }
  }

  private recordLag(batch: ConsumedBatch, record: ConsumedRecord) {
    const lag = BigInt(batch.highWatermark) - BigInt(record.offset) - 1n;
    this.deps.metrics?.lag.set(
      { group: this.options.groupId, topic: batch.topic, partition: String(batch.partition) },
      Number(lag < 0n ? 0n : lag),
    );
  }
}
