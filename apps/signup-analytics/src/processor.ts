import { setTimeout as delay } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import {
  SIGNUP_ANALYTICS_CHANGELOG_TOPIC,
  USER_EVENTS_TOPIC,
  type EventPayload,
  type EventType,
} from '@kafka-platform/events';
import {
  fromHeaders,
  namespaced,
  newEnvelope,
  toHeaders,
  type AvroCodec,
  type EventContract,
} from '@kafka-platform/kafka';
import type { Headers, PersonalDataReader } from '@kafka-platform/kafka';
import type { AnalyticsConfig } from './config';
import { watchedDomain } from './config';
import type { AnalyticsMetrics } from './metrics';
import { restoreChangelog } from './restore';
import { WINDOW_MS, WindowStore, windowKey, type WindowCount } from './window-store';

export const APP = 'signup-analytics';

type NewUser = EventPayload<'new_user', 3>;

export interface ProcessorDeps {
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  /** Opens new_user's sealed email for the domain filter (crypto-shredding: an erased user's reads as empty). */
  readonly personalData: PersonalDataReader;
  readonly contract: EventContract;
  readonly namespace: string | undefined;
  readonly config: AnalyticsConfig;
  readonly log: (message: string, fields?: object) => void;
  readonly metrics: AnalyticsMetrics;
}

/**
 * Consume user-events, count signups per minute and locale, filter watched domains, and write results, state and
 * input offsets in one Kafka transaction per batch (exactly-once), or, as a contrast, at least once.
 *
 * One active instance per SIGNUP_ANALYTICS_INSTANCE: its state covers every input partition (the counts are per
 * locale, across users), so a second instance with the same id fences the first instead of sharing the work.
 * On any failure the open transaction is aborted and the processor stops: its in-memory state may hold the aborted
 * batch, and the only state to trust is the changelog's, which the next start restores.
 */
export class SignupAnalytics {
  private readonly group: string;
  private readonly topics: { input: string; changelog: string; perMinute: string; byDomain: string };
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private failure?: (error: unknown) => void;

  constructor(private readonly deps: ProcessorDeps) {
    const ns = (name: string) => namespaced(deps.namespace, name);
    this.group = ns(APP);
    this.topics = {
      input: ns(USER_EVENTS_TOPIC),
      changelog: ns(SIGNUP_ANALYTICS_CHANGELOG_TOPIC),
      perMinute: deps.contract.topicOf('signups_per_minute'),
      byDomain: deps.contract.topicOf('signup_by_domain'),
    };
    const { kafka, config } = deps;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      ...(this.exactlyOnce && { transactionalId: `${this.group}-${config.SIGNUP_ANALYTICS_INSTANCE}` }),
    });
    this.consumer = kafka.consumer({
      groupId: this.group,
      // Only committed records: aborted writes of upstream transactions never count.
      readUncommitted: false,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: config.SIGNUP_ANALYTICS_MAX_BATCH_BYTES,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
    });
  }

  /** Fences any predecessor, restores the state, then consumes; resolves with the first fatal error. */
  async run(): Promise<unknown> {
    // Connecting a transactional producer fences any predecessor with the same id (the broker aborts its open
    // transaction), so the restore below reads a changelog no one else can still write to.
    await this.producer.connect();
    const { config } = this.deps;
    const store = new WindowStore(config.SIGNUP_ANALYTICS_GRACE, await this.partitionCount(), {
      idleTimeoutMs: config.SIGNUP_ANALYTICS_IDLE_TIMEOUT,
      now: Date.now,
    });
    const restoreGroup = `${this.group}.restore-${process.pid}-${Date.now()}`;
    const restored = await restoreChangelog(this.deps.kafka, this.topics.changelog, restoreGroup, (record) =>
      store.restore(record),
    );
    this.deps.log('state restored', { records: restored, openWindows: store.openWindows().length });
    const failed = new Promise<unknown>((resolve) => (this.failure = resolve));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topics.input, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(store, payload).catch((error: unknown) => this.fail(error)),
    });
    this.deps.metrics.running();
    return failed;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.deps.personalData.stop();
  }

  private get exactlyOnce(): boolean {
    return this.deps.config.SIGNUP_ANALYTICS_DELIVERY === 'exactly-once';
  }

  private fail(error: unknown): void {
    this.deps.metrics.failed();
    this.failure?.(error);
    throw error;
  }

  private async partitionCount(): Promise<number> {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(this.topics.input)).length;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * With eachBatchAutoResolve off, kafkajs fetches from the last offset resolved here, whatever was committed: a
   * batch left unresolved comes back, and the partition never gets past it until a rebalance.
   */
  private async onBatch(
    store: WindowStore,
    { batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload,
  ): Promise<void> {
    if (!isRunning() || isStale()) return;
    const fresh = batch.messages.filter((message) => store.isNew(batch.partition, Number(message.offset)));
    // Already in the restored state (and committed with it): move past, do not count again.
    if (fresh.length === 0) return resolveOffset(batch.lastOffset());
    store.active(batch.partition);
    const lateBefore = store.lateDropped;
    const filtered: Message[] = [];
    for (const message of fresh) {
      const signup = await this.signup(message.headers as Headers | undefined, message.key, message.value);
      if (!signup) continue;
      store.add(batch.partition, signup.eventTime, signup.payload.locale);
      const domain = watchedDomain(signup.payload.email, this.deps.config.SIGNUP_ANALYTICS_DOMAINS);
      if (domain) filtered.push(await this.domainRecord(signup.payload, signup.eventTime, domain, signup.id));
    }
    const next = String(Number(batch.lastOffset()) + 1);
    // Positions only help when they commit atomically with the state: at-least-once has no such guarantee.
    if (this.exactlyOnce) store.consumed(batch.partition, Number(next));
    const { changes, changelog } = store.drain();
    const records: TopicMessages[] = [
      { topic: this.topics.perMinute, messages: await this.windowRecords(changes.updated, changes.closed) },
      { topic: this.topics.byDomain, messages: filtered },
      { topic: this.topics.changelog, messages: changelog.map(({ key, value }) => ({ key, value, partition: 0 })) },
    ].filter((topic) => topic.messages.length > 0);
    const offsets = { topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] };
    await this.write(records, offsets);
    resolveOffset(batch.lastOffset());
    await heartbeat();
    this.deps.metrics.batchCommitted({
      records: fresh.length,
      lateDropped: store.lateDropped - lateBefore,
      openWindows: store.openWindows().length,
    });
    this.deps.log('batch committed', {
      partition: batch.partition,
      offset: next,
      windows: changes.updated.length + changes.closed.length,
      closed: changes.closed.length,
      lateDropped: store.lateDropped,
    });
  }

  /** Results, state and the input's next offset: in one transaction, or (at-least-once) one after the other. */
  private async write(
    records: TopicMessages[],
    offsets: { topic: string; partitions: { partition: number; offset: string }[] },
  ) {
    const hold = this.deps.config.SIGNUP_ANALYTICS_HOLD_BEFORE_COMMIT;
    if (!this.exactlyOnce) {
      if (records.length > 0) await this.producer.sendBatch({ topicMessages: records, acks: -1 });
      if (hold) await this.holdOpen(hold);
      await this.consumer.commitOffsets(
        offsets.partitions.map((partition) => ({ topic: offsets.topic, ...partition })),
      );
      return;
    }
    const transaction = await this.producer.transaction();
    try {
      if (records.length > 0) await transaction.sendBatch({ topicMessages: records, acks: -1 });
      await transaction.sendOffsets({ consumerGroupId: this.group, topics: [offsets] });
      if (hold) await this.holdOpen(hold);
      await transaction.commit();
      this.deps.metrics.transactionEnded('committed');
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      this.deps.metrics.transactionEnded('aborted');
      throw error;
    }
  }

  private async holdOpen(ms: number): Promise<void> {
    this.deps.log('transaction open', { holdMs: ms });
    await delay(ms);
  }

  /** A new_user record's payload and event time (the envelope's occurred-at); undefined for other event types. */
  private async signup(headers: Headers | undefined, key: Buffer | null, value: Buffer | null) {
    const envelope = fromHeaders(stringHeaders(headers));
    if ((envelope.type as EventType) !== 'new_user') return undefined;
    const decoded = (await this.deps.codec.decode(value, 'new_user', 3)) as NewUser;
    // Only the domain filter needs the email: without watched domains, no key is looked up at all.
    const payload =
      this.deps.config.SIGNUP_ANALYTICS_DOMAINS.length === 0
        ? decoded
        : await this.deps.personalData.reveal('new_user', key?.toString('utf8') ?? '', decoded);
    return { id: envelope.id, eventTime: Date.parse(envelope.occurredAt), payload };
  }

  private windowRecords(updated: WindowCount[], closed: WindowCount[]): Promise<Message[]> {
    const all = [...updated.map((w) => ({ w, final: false })), ...closed.map((w) => ({ w, final: true }))];
    return Promise.all(
      all.map(async ({ w, final }) => {
        const payload = {
          windowKey: windowKey(w.windowStart, w.locale),
          windowStart: w.windowStart,
          windowEnd: w.windowStart + WINDOW_MS,
          locale: w.locale,
          count: w.count,
          final,
        } satisfies EventPayload<'signups_per_minute', 1>;
        return this.eventRecord('signups_per_minute', payload, new Date(w.windowStart + WINDOW_MS));
      }),
    );
  }

  private domainRecord(user: NewUser, eventTime: number, emailDomain: string, causationId: string): Promise<Message> {
    // No email or name: the derived topic outlives the user's key, so it carries nothing a deletion must erase.
    const payload = {
      userId: user.userId,
      locale: user.locale,
      emailDomain,
      signedUpAt: eventTime,
    } satisfies EventPayload<'signup_by_domain', 2>;
    return this.eventRecord('signup_by_domain', payload, new Date(eventTime), causationId);
  }

  private async eventRecord(
    type: 'signups_per_minute' | 'signup_by_domain',
    payload: object,
    occurredAt: Date,
    causationId?: string,
  ): Promise<Message> {
    const version = this.deps.contract.latestVersion(type);
    const key = this.deps.contract.keyOf(type, payload);
    const envelope = newEnvelope(type, version, key, payload, { occurredAt, ...(causationId && { causationId }) });
    return { key, value: await this.deps.codec.encode(type, version, payload), headers: toHeaders(envelope) };
  }
}

function stringHeaders(headers: Headers | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}
