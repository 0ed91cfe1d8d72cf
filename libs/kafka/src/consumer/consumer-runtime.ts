import { setTimeout as delay } from 'node:timers/promises';
import { SpanKind } from '@opentelemetry/api';
import type {
  BatchControl,
  ConsumedBatch,
  ConsumedRecord,
  KafkaConsumerPort,
  KafkaProducerPort,
} from '../client/kafka-ports';
import type { AvroCodec } from '../codec/avro-codec';
import type { PersonalDataReader } from '../personal-data/personal-data';
import type { RetryPolicy } from '../config/kafka-config';
import { deadLetterRecord } from '../dlq/dead-letter';
import type { DeadLetterReason } from '../dlq/dead-letter';
import { fromHeaders, HEADER } from '../envelope/event-envelope';
import { delivery } from './delivery-context';
import type { EnvelopeMetadata, EventEnvelope } from '../envelope/event-envelope';
import { classifyError } from '../errors/platform-error';
import type { FailureClass, FailureKind } from '../errors/platform-error';
import type { KafkaMetrics } from '../metrics/kafka-metrics';
import { MESSAGING, contextWithParent, remoteSpanContext, traced } from '../tracing/tracing';

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
  /**
   * Records of different keys handled at once within one partition's batch (1: one record at a time). Order
   * holds per key, which is all Kafka promised across keys anyway; offsets are committed only up to the first
   * record not finished, so a restart redelivers at most the records handled past it (inboxes drop them).
   */
  readonly keyConcurrency?: number;
  /**
   * Wraps a run of a batch's records handled one after another, for example in one database transaction so that
   * a batch costs one commit instead of one per record. When the run fails, its records are handled again one by
   * one without it, each with its own retries and dead-lettering: so a handler under a scope must be idempotent
   * and its effects must vanish with the scope's failure (an inbox in the scope's transaction does both).
   */
  readonly batchScope?: BatchScope;
  readonly fromBeginning?: boolean;
  readonly heartbeatIntervalMs?: number;
}

/** Runs `work` inside a scope (see ConsumerRuntimeOptions.batchScope). */
export type BatchScope = <T>(work: () => Promise<T>) => Promise<T>;

/** Records of one batch handled under one scope at the most. */
const SCOPED_RUN = 100;

export interface ConsumerRuntimeDeps {
  readonly consumer: KafkaConsumerPort;
  /** Writes dead letters; its own connection, so a slow DLQ write never holds up the service's publishing. */
  readonly producer: KafkaProducerPort;
  readonly codec: AvroCodec;
  /** Opens sealed personal fields before the handler sees them (crypto-shredding); absent: payloads as decoded. */
  readonly personalData?: PersonalDataReader;
  readonly metrics?: KafkaMetrics;
  readonly log?: (level: 'error' | 'warn' | 'info', message: string, extra?: object) => void;
  /**
   * The service's dependencies (database, SMTP, registry...) that fail their health check right now. A failure
   * of unknown cause while one of them is down is taken for the outage it most likely is, not for a bug.
   */
  readonly unhealthyDependencies?: () => Promise<readonly string[]>;
}

export type ConsumerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'crashed';

/** A partition held at one record by a failure that is being retried. */
export interface BlockedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Why: `transient` (a dependency is down: retried up to the time budget) or `unknown` (bounded attempts). */
  readonly kind: Exclude<FailureKind, 'poison'>;
  readonly code: string;
  readonly error: string;
  /** The dependencies that failed their health check at the last attempt. */
  readonly dependencies: readonly string[];
  readonly attempts: number;
  readonly since: string;
  readonly nextAttemptAt: string;
}

export interface ConsumerStatus {
  readonly state: ConsumerState;
  readonly error?: string;
  readonly blocked: readonly BlockedPartition[];
}

interface RetryState {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly since: number;
  attempts: number;
  unknownAttempts: number;
  kind: Exclude<FailureKind, 'poison'>;
  code: string;
  error: string;
  dependencies: readonly string[];
  nextAttemptAt: number;
}

/** Thrown inside a batch when the runtime is stopping: the record is left unfinished and uncommitted. */
class Abandoned extends Error {}

const recordKey = ({ topic, partition, offset }: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>) =>
  `${topic}/${partition}/${offset}`;

/**
 * The indexes of a batch's records from `from` on, grouped by key, each group in offset order, groups in order of
 * their first record.
 */
function keyChains(records: readonly ConsumedRecord[], from: number): number[][] {
  const chains = new Map<string, number[]>();
  for (let index = from; index < records.length; index++) {
    const key = (records[index] as ConsumedRecord).key?.toString('latin1') ?? '';
    const chain = chains.get(key);
    if (chain) chain.push(index);
    else chains.set(key, [index]);
  }
  return [...chains.values()];
}

/**
 * Which records of a batch are finished: each is marked done (for the commit) only once every record before it
 * is, since a committed offset says that everything below it was handled.
 */
class BatchProgress {
  private readonly finished: boolean[];
  private next = 0;

  constructor(
    private readonly records: readonly ConsumedRecord[],
    private readonly control: BatchControl,
  ) {
    this.finished = new Array<boolean>(records.length).fill(false);
  }

  finish(index: number): void {
    this.finished[index] = true;
    while (this.next < this.records.length && this.finished[this.next]) {
      this.control.markDone((this.records[this.next] as ConsumedRecord).offset);
      this.next += 1;
    }
  }
}

const count = (tally: Map<string, number>, type: string, outcome: 'handled' | 'skipped') => {
  const key = `${type}\0${outcome}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
};

/**
 * Runs one consumer group: decode, dispatch to the handler of each event type, commit after success.
 *
 * A record that fails is never skipped silently and never blocks more than its own partition:
 * - poison (bad bytes, unknown schema, invalid payload, a non-retryable verdict) goes to the DLQ at once;
 * - transient (a dependency is down: network errors, the database or SMTP server unavailable, or any failure
 *   while a dependency fails its health check) is retried with capped exponential backoff for as long as the
 *   outage lasts, up to `retry.transientRetryForMs`, and only then dead-lettered with that reason;
 * - unknown (everything healthy, so most likely a bug) gets `retry.maxAttempts` attempts, then the DLQ.
 * While it waits, the partition is paused instead of sleeping in the batch: the consumer keeps fetching the
 * other partitions and heart-beating, and a rebalance never waits for (or commits) the held record.
 */
export class ConsumerRuntime {
  private current: ConsumerState = 'idle';
  private leftRunningAt?: number;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private lastError?: Error;
  private abandoned = false;
  private readonly handlers: ReadonlyMap<string, EventHandlerRegistration>;
  private readonly retries = new Map<string, RetryState>();
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  private readonly typeLabels = new Map<string, { group: string; type: string }>();
  private readonly fatal: Promise<Error>;
  private reportFatal: (error: Error) => void = () => undefined;

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
    this.fatal = new Promise((resolve) => (this.reportFatal = resolve));
    deps.metrics?.trackBlocked(options.groupId, () => this.heldPartitions());
  }

  get groupId(): string {
    return this.options.groupId;
  }

  private get state(): ConsumerState {
    return this.current;
  }

  private set state(next: ConsumerState) {
    if (this.current === 'running' && next !== 'running') this.leftRunningAt = Date.now();
    this.current = next;
  }

  /** Now while running; else when it last stopped running (undefined if it never ran). */
  get lastRunningAt(): number | undefined {
    return this.current === 'running' ? Date.now() : this.leftRunningAt;
  }

  get status(): ConsumerStatus {
    return {
      state: this.state,
      ...(this.lastError && { error: this.lastError.message }),
      blocked: [...this.retries.values()].map((retry) => ({
        topic: retry.topic,
        partition: retry.partition,
        offset: retry.offset,
        kind: retry.kind,
        code: retry.code,
        error: retry.error,
        dependencies: retry.dependencies,
        attempts: retry.attempts,
        since: new Date(retry.since).toISOString(),
        nextAttemptAt: new Date(retry.nextAttemptAt).toISOString(),
      })),
    };
  }

  /** Resolves when the consumer died and the client does not restart it: the owner must start a new runtime. */
  get crashed(): Promise<Error> {
    return this.fatal;
  }

  async start(): Promise<void> {
    this.starting = this.begin();
    return this.starting;
  }

  private async begin(): Promise<void> {
    const { consumer, producer } = this.deps;
    this.state = 'starting';
    consumer.onCrash((error, restarting) => {
      this.lastError = error;
      if (this.state === 'stopping' || this.state === 'stopped') return;
      this.state = restarting ? 'restarting' : 'crashed';
      this.deps.log?.('error', `consumer ${this.options.groupId} crashed`, { error: error.message, restarting });
      if (!restarting) this.reportFatal(error);
    });
    consumer.onJoin((assignment) => {
      // Partitions that went to another member take their retry state with them (it retries from the offset).
      for (const [key, retry] of this.retries) {
        if (!assignment[retry.topic]?.includes(retry.partition)) this.retries.delete(key);
      }
      if (this.state === 'starting' || this.state === 'restarting') this.state = 'running';
    });
    await Promise.all([producer.connect(), consumer.connect()]);
    // Stopped meanwhile (a service shutting down, a group stopped right after it started): the group is not joined.
    if (this.stopping) return;
    await consumer.subscribe(this.options.topics, { fromBeginning: this.options.fromBeginning ?? true });
    if (this.stopping) return;
    await consumer.run({
      concurrency: this.options.concurrency ?? 6,
      eachBatch: (batch, control) => this.handleBatch(batch, control),
    });
  }

  /**
   * Stops fetching, lets the records in flight finish within the deadline, commits only finished ones,
   * leaves the group. Work still running at the deadline is abandoned, never committed.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasIdle = this.state === 'idle';
    this.state = 'stopping';
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    this.deps.metrics?.untrackBlocked(this.options.groupId);
    if (wasIdle) {
      this.state = 'stopped';
      return;
    }
    // The deadline timers are cancelled once the race is decided: left running they keep the process (and
    // Jest) alive for the whole timeout after a clean stop.
    const timers = new AbortController();
    const deadline = delay(this.options.shutdownTimeoutMs, 'timeout' as const, { signal: timers.signal }).catch(
      () => 'cancelled' as const,
    );
    // A start in progress ends first (within the deadline): kafkajs ignores a stop() while it joins the group, and a
    // disconnect() then would leave the member behind in the group until its session times out.
    await Promise.race([this.starting?.catch(() => undefined), deadline]);
    const stopped = await Promise.race([
      this.deps.consumer.stop().then(
        () => 'stopped' as const,
        () => 'stopped' as const,
      ),
      deadline,
    ]);
    if (stopped === 'timeout') {
      this.abandoned = true;
      this.deps.log?.(
        'warn',
        `consumer ${this.options.groupId}: handlers still running at the shutdown deadline; abandoned uncommitted`,
      );
    }
    await Promise.race([
      this.deps.consumer.disconnect().catch(() => undefined),
      delay(this.options.shutdownTimeoutMs, undefined, { signal: timers.signal }).catch(() => undefined),
    ]);
    timers.abort();
    await this.deps.producer.disconnect().catch(() => undefined);
    this.state = 'stopped';
  }

  private async handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    if (this.state === 'starting' || this.state === 'restarting') this.state = 'running';
    const progress = new BatchProgress(batch.records, control);
    const tally = new Map<string, number>();
    try {
      await this.withHeartbeat(control, async () => {
        const scoped = this.options.batchScope ? await this.handleScoped(batch, control, progress, tally) : 0;
        await this.handleRecords(batch, control, progress, tally, scoped);
      });
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
    } finally {
      this.countOutcomes(tally);
      // Finished work is committed even when a DLQ write failed: only the failed record is redelivered.
      if (!this.abandoned) await control.commit();
    }
  }

  /**
   * Handles a batch's records, each key's in offset order, up to keyConcurrency keys at once. The first record to
   * be retried later stops its key, and every key once the records in flight end; the partition is then held.
   */
  private async handleRecords(
    batch: ConsumedBatch,
    control: BatchControl,
    progress: BatchProgress,
    tally: Map<string, number>,
    from = 0,
  ): Promise<void> {
    const keyConcurrency = this.options.keyConcurrency ?? 1;
    const indexes = batch.records.map((_, index) => index).slice(from);
    // One at a time means strictly in offset order: the rest of the batch is one chain.
    const chains = keyConcurrency > 1 ? keyChains(batch.records, from) : indexes.length > 0 ? [indexes] : [];
    let waiting: ConsumedRecord | undefined;
    let failure: unknown;
    const stopped = () =>
      waiting !== undefined ||
      failure !== undefined ||
      !control.isRunning() ||
      control.isStale() ||
      this.abandoned ||
      this.stopping !== undefined;
    const worker = async () => {
      for (let chain = chains.shift(); chain && !stopped(); chain = chains.shift()) {
        for (const index of chain) {
          if (stopped()) return;
          const record = batch.records[index] as ConsumedRecord;
          const outcome = await this.attempt(record, tally).catch((error: unknown) => {
            failure ??= error;
            return 'failed' as const;
          });
          if (outcome === 'failed') return;
          if (outcome === 'wait') {
            if (!waiting || BigInt(record.offset) < BigInt(waiting.offset)) waiting = record;
            return;
          }
          progress.finish(index);
        }
      }
    };
    const workers = Math.max(1, Math.min(keyConcurrency, chains.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) throw failure;
    if (waiting) this.holdPartition(waiting, control);
  }

  /** Adds a batch's handled and skipped records to the counter at once: its labels cost more than the count. */
  private countOutcomes(tally: ReadonlyMap<string, number>): void {
    const { metrics } = this.deps;
    if (!metrics) return;
    for (const [key, count] of tally) {
      const [type, outcome] = key.split('\0') as [string, string];
      metrics.consumed.inc({ group: this.options.groupId, type, outcome }, count);
    }
  }

  /**
   * Handles the batch in runs of up to SCOPED_RUN records, each run inside the batch scope and marked done only
   * once the scope ended well. Returns the index of the first record it did not finish: from there the records go
   * one by one (a run failed, a record needs a retry, or the consumer is stopping).
   */
  private async handleScoped(
    batch: ConsumedBatch,
    control: BatchControl,
    progress: BatchProgress,
    tally: Map<string, number>,
  ): Promise<number> {
    const scope = this.options.batchScope as BatchScope;
    let next = 0;
    while (next < batch.records.length) {
      if (!control.isRunning() || control.isStale() || this.abandoned || this.stopping) return next;
      const run = batch.records.slice(next, next + SCOPED_RUN);
      // A record being retried (held before) goes through attempt(), which keeps its count.
      if (run.some((record) => this.retries.has(recordKey(record)))) return next;
      const counted = new Map<string, number>();
      try {
        await scope(async () => {
          for (const record of run) await this.handleOnce(record, counted);
        });
      } catch {
        return next;
      }
      for (const [key, count] of counted) tally.set(key, (tally.get(key) ?? 0) + count);
      for (let index = next; index < next + run.length; index++) progress.finish(index);
      next += run.length;
    }
    return next;
  }

  /** Decodes and handles a record, throwing whatever fails: the scope's caller decides what becomes of it. */
  private async handleOnce(record: ConsumedRecord, tally: Map<string, number>): Promise<void> {
    const metadata = fromHeaders(record.headers);
    const handler = this.handlers.get(metadata.type);
    if (!handler) return count(tally, metadata.type, 'skipped');
    const key = record.key?.toString('utf8') ?? '';
    const { groupId } = this.options;
    const { topic, partition, offset } = record;
    await this.processSpan(record, metadata, key, async () => {
      const decoded = await this.deps.codec.decode(record.value, metadata.type, handler.version);
      const payload = this.deps.personalData
        ? await this.deps.personalData.reveal(metadata.type, key, decoded)
        : decoded;
      await this.timed(metadata.type, () =>
        delivery.run({ groupId, topic, partition, offset }, () => handler.handle({ ...metadata, key, payload })),
      );
    });
    count(tally, metadata.type, 'handled');
  }

  /**
   * One CONSUMER span per attempt at a record (OpenTelemetry's `process` operation), around decoding and the
   * handler: its parent is the producer span named by the record's traceparent, so one sign-up is one trace, and
   * it links to it too, as the messaging conventions ask (a trace backend shows the link when it does not join
   * the trace by parent). What the handler does (queries, mail, new events) becomes its children.
   */
  private processSpan(
    { topic, partition, offset }: ConsumedRecord,
    metadata: EnvelopeMetadata,
    key: string,
    work: () => Promise<void>,
  ): Promise<void> {
    const producer = remoteSpanContext(metadata.traceparent);
    const options = {
      kind: SpanKind.CONSUMER,
      links: producer ? [{ context: producer }] : [],
      attributes: {
        [MESSAGING.system]: 'kafka',
        [MESSAGING.operationName]: 'process',
        [MESSAGING.operationType]: 'process',
        [MESSAGING.destination]: topic,
        [MESSAGING.consumerGroup]: this.options.groupId,
        [MESSAGING.partition]: String(partition),
        [MESSAGING.offset]: Number(offset),
        [MESSAGING.messageId]: metadata.id,
        [MESSAGING.key]: key,
        [MESSAGING.eventType]: metadata.type,
      },
    };
    return traced(`process ${topic}`, options, work, contextWithParent(producer));
  }

  /** One attempt at a record: `done` when handled or dead-lettered, `wait` when it is to be retried later. */
  private async attempt(record: ConsumedRecord, tally: Map<string, number>): Promise<'done' | 'wait'> {
    const key = recordKey(record);
    const previous = this.retries.get(key);
    try {
      await this.handleOnce(record, tally);
      if (previous) this.recovered(previous);
      this.retries.delete(key);
      return 'done';
    } catch (error) {
      if (this.state === 'stopping' || this.state === 'stopped') throw new Abandoned();
      return this.failed(record, record.headers[HEADER.eventType] ?? 'unknown', classifyError(error), previous);
    }
  }

  private async failed(
    record: ConsumedRecord,
    type: string,
    failure: FailureClass,
    previous: RetryState | undefined,
  ): Promise<'done' | 'wait'> {
    const key = recordKey(record);
    if (failure.kind === 'poison') {
      await this.deadLetter(record, failure, (previous?.attempts ?? 0) + 1, type, 'poison');
      this.retries.delete(key);
      return 'done';
    }
    const dependencies = (await this.deps.unhealthyDependencies?.().catch(() => [])) ?? [];
    const kind = failure.kind === 'unknown' && dependencies.length === 0 ? 'unknown' : 'transient';
    const now = Date.now();
    const retry: RetryState = previous ?? {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      since: now,
      attempts: 0,
      unknownAttempts: 0,
      kind,
      code: failure.code,
      error: failure.message,
      dependencies,
      nextAttemptAt: now,
    };
    Object.assign(retry, { kind, code: failure.code, error: failure.message, dependencies });
    retry.attempts += 1;
    if (kind === 'unknown') retry.unknownAttempts += 1;
    const { maxAttempts, transientRetryForMs } = this.options.retry;
    if (kind === 'unknown' && retry.unknownAttempts >= maxAttempts) {
      await this.deadLetter(record, failure, retry.attempts, type, 'attempts-exhausted');
      this.retries.delete(key);
      return 'done';
    }
    if (kind === 'transient' && now - retry.since >= transientRetryForMs) {
      const exhausted = {
        ...failure,
        message: `still failing after ${Math.round((now - retry.since) / 1000)} s of retries (KAFKA_TRANSIENT_RETRY_FOR): ${failure.message}`,
      };
      await this.deadLetter(record, exhausted, retry.attempts, type, 'transient-budget-exhausted');
      this.retries.delete(key);
      return 'done';
    }
    retry.nextAttemptAt = now + this.backoffMs(retry.attempts);
    if (!previous) {
      this.deps.log?.('warn', `${record.topic}/${record.partition}/${record.offset} failed, holding the partition`, {
        group: this.options.groupId,
        kind,
        code: failure.code,
        dependencies,
        error: failure.message,
      });
    }
    this.retries.set(key, retry);
    this.deps.metrics?.retries.inc({ group: this.options.groupId, type, code: failure.code });
    return 'wait';
  }

  /** Pauses the record's partition until its next attempt is due; the consumer then fetches it again. */
  private holdPartition(record: ConsumedRecord, control: BatchControl): void {
    const retry = this.retries.get(recordKey(record));
    const resume = control.pause();
    const timer = setTimeout(
      () => {
        this.resumeTimers.delete(timer);
        resume();
      },
      Math.max(0, (retry?.nextAttemptAt ?? Date.now()) - Date.now()),
    );
    this.resumeTimers.add(timer);
  }

  private recovered(retry: RetryState): void {
    this.deps.log?.(
      'info',
      `${retry.topic}/${retry.partition}/${retry.offset} handled after ${retry.attempts + 1} attempts`,
      {
        group: this.options.groupId,
        heldForMs: Date.now() - retry.since,
      },
    );
  }

  private async deadLetter(
    record: ConsumedRecord,
    failure: FailureClass,
    attempts: number,
    type: string,
    reason: DeadLetterReason,
  ) {
    const { groupId } = this.options;
    await this.deps.producer.send(this.options.deadLetterTopic(record.topic), [
      deadLetterRecord(record, failure, { group: groupId, attempts, reason }),
    ]);
    this.deps.metrics?.deadLettered.inc({ group: groupId, code: failure.code });
    this.deps.metrics?.consumed.inc({ group: groupId, type, outcome: 'dead_lettered' });
    this.deps.log?.('warn', `dead-lettered ${record.topic}/${record.partition}/${record.offset}`, {
      group: groupId,
      reason,
      code: failure.code,
      attempts,
      error: failure.message,
    });
  }

  /** The records being retried, the oldest per partition: what the paused-partitions metrics count. */
  private heldPartitions(): RetryState[] {
    const oldest = new Map<string, RetryState>();
    for (const retry of this.retries.values()) {
      const partition = `${retry.topic}/${retry.partition}`;
      const seen = oldest.get(partition);
      if (!seen || retry.since < seen.since) oldest.set(partition, retry);
    }
    return [...oldest.values()];
  }

  /** Exponential backoff with full jitter, capped. */
  private backoffMs(attempt: number): number {
    const { initialDelayMs, maxDelayMs } = this.options.retry;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 20));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** A batch whose handlers take longer than the session timeout would lose its partition; beat while they run. */
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
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.deps.metrics?.handlerDuration.observe(this.labelsOf(type), (performance.now() - started) / 1000);
    }
  }

  /** One labels object per event type, not one per record. */
  private labelsOf(type: string): { group: string; type: string } {
    let labels = this.typeLabels.get(type);
    if (!labels) this.typeLabels.set(type, (labels = { group: this.options.groupId, type }));
    return labels;
  }
}
