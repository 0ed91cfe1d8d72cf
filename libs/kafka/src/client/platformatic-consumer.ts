import { setTimeout as delay } from 'node:timers/promises';
import type {
  ClusterMetadata,
  ConnectionPool,
  Consumer,
  ConsumerGroupJoinPayload,
  FetchOptions,
  RecordsBatch,
} from '@platformatic/kafka';
import type { KafkaLogger } from './kafkajs-client';
import type { BatchControl, ConsumedRecord, ConsumerRunOptions, Headers, KafkaConsumerPort } from './kafka-ports';
import { findInChain, isRetriable, reach } from './platformatic-errors';

// FetchIsolationLevels.READ_COMMITTED: the library is loaded only when chosen, so its value is copied here.
const READ_COMMITTED = 1;

// The library exports these only under versioned names (fetchV17...): taken from the consumer's own signature.
type FetchRequestTopic = FetchOptions<Buffer, Buffer, Buffer, Buffer>['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

// Kafka's numbers, written out so that this module needs nothing of the library at run time.
const EARLIEST = -2n;
const LATEST = -1n;
const IS_CONTROL_BATCH = 0x20;
const LOG_APPEND_TIME = 0x08;

export interface PlatformaticConsumerSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Kafka's and kafkajs' default: how long the group waits for its members to rejoin in a rebalance. */
  readonly rebalanceTimeoutMs: number;
  /** The fetch long-poll: stop() waits for the one in flight, so it stays short (as the kafkajs adapter's 1 s). */
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
}

/** One assigned partition. A new object each time the partition is (re)gained, so a batch can tell it lost it. */
interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** Next offset to fetch; undefined until read from the group's committed offsets (or the topic's start/end). */
  position?: bigint;
  paused: boolean;
  /** In a fetch or a batch: not fetched again until that is over, so a partition's records stay in order. */
  busy: boolean;
}

interface Batch {
  readonly state: PartitionState;
  readonly highWatermark: bigint;
  readonly records: ConsumedRecord[];
}

type Phase = 'idle' | 'running' | 'restarting' | 'crashed' | 'stopping' | 'stopped';

type Assignment = Readonly<Record<string, readonly number[]>>;

/**
 * KafkaConsumerPort on @platformatic/kafka's Consumer, with the fetch loop written here rather than the library's
 * MessagesStream: that stream delivers record by record and cannot pause one partition, and the port needs
 * batches per partition, partitions handled in parallel, one partition paused while the others go on, and commits
 * of exactly the records marked done. The library keeps what is hard: joining the group, heart-beating on its own
 * timer (so a long batch never loses the partition) and rejoining when the group rebalances.
 *
 * - Each broker gets one fetch at a time, for the assigned partitions that are neither paused nor in a batch; the
 *   batches it returns run in parallel up to `concurrency`, and that broker is fetched again once they are done.
 * - Nothing is resolved automatically: after a batch the partition is fetched again from the record after the last
 *   one marked done (from the batch's first record when none was), as the port requires.
 * - The library rejoins the group as soon as a rebalance starts, while batches may still run (kafkajs waits for
 *   them first). A partition kept through the rebalance keeps its state, so its batch goes on and commits under the
 *   new generation; a partition that went elsewhere, or any partition after this member lost its membership, gets a
 *   new state and the batch in flight is stale: it commits nothing.
 * - A failure (a batch that throws, a fetch or commit that fails for good) is reported through onCrash; unless it
 *   is final, the consumer restarts by itself after a short, growing wait: it keeps its partitions (rejoining when
 *   the membership was lost) and reads them again from the committed offsets, as kafkajs' restart does.
 */
export class PlatformaticConsumer implements KafkaConsumerPort {
  private consumer?: Consumer;
  private fetchPool?: ConnectionPool;
  private topics: readonly string[] = [];
  private fromBeginning = true;
  private options?: ConsumerRunOptions;
  private slots = new Slots(1);
  private phase: Phase = 'idle';
  private readonly partitions = new Map<string, PartitionState>();
  private generation?: { readonly memberId: string; readonly generationId: number };
  private readonly fetching = new Set<number>();
  private readonly cycles = new Set<Promise<void>>();
  private readonly crashListeners: ((error: Error, restarting: boolean) => void)[] = [];
  private readonly joinListeners: ((assignment: Assignment) => void)[] = [];
  private pumping = false;
  private pumpAgain = false;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private readonly closing = new AbortController();
  private stopped?: Promise<void>;

  /**
   * `create` makes the library consumer and the connection pool its fetches use: a fetch long-polls, and a broker
   * answers one request per connection at a time, so heartbeats and commits must not queue behind it.
   */
  constructor(
    private readonly create: () => { consumer: Consumer; fetchPool: ConnectionPool },
    private readonly settings: PlatformaticConsumerSettings,
    private readonly log?: KafkaLogger,
  ) {}

  async connect(): Promise<void> {
    await reach(this.client());
  }

  async subscribe(topics: readonly string[], { fromBeginning }: { fromBeginning: boolean }): Promise<void> {
    const consumer = this.client();
    const added = topics.filter((topic) => !this.topics.includes(topic));
    consumer.topics.trackAll(...added);
    this.topics = [...this.topics, ...added];
    this.fromBeginning = fromBeginning;
  }

  onCrash(listener: (error: Error, restarting: boolean) => void): void {
    this.crashListeners.push(listener);
  }

  onJoin(listener: (assignment: Assignment) => void): void {
    this.joinListeners.push(listener);
  }

  /** Resolves once the group is joined and fetching has begun (or the join failed: then onCrash says so). */
  async run(options: ConsumerRunOptions): Promise<void> {
    if (this.phase !== 'idle') return; // stopped before it ran, or running already
    const consumer = this.client();
    this.options = options;
    this.slots = new Slots(options.concurrency);
    this.phase = 'running';
    consumer.on('consumer:group:join', (payload) => this.joined(payload));
    // The library reports a rejoin that failed (after its retries) as an 'error' event; unheard, it would throw.
    consumer.on('error', (error: Error) => this.crash(error, false));
    consumer.on('consumer:heartbeat:error', ({ error }) =>
      this.log?.('warn', `platformatic-kafka: heartbeat failed: ${error.message}`, { groupId: consumer.groupId }),
    );
    try {
      await this.join();
    } catch (error) {
      // Stopped or disconnected while joining: nothing to report.
      if (this.phase === 'running') this.crash(asError(error), false);
      return;
    }
    this.pump();
  }

  /** Stops fetching and waits for the batches in flight, which may still commit: the membership is kept. */
  stop(): Promise<void> {
    this.stopped ??= this.halt();
    return this.stopped;
  }

  private async halt(): Promise<void> {
    this.phase = 'stopping';
    clearTimeout(this.retryTimer);
    this.closing.abort();
    await Promise.allSettled([...this.cycles]);
    this.phase = 'stopped';
  }

  /** Leaves the group (the library's close sends LeaveGroup) and closes every connection. */
  async disconnect(): Promise<void> {
    await this.stop();
    const { consumer, fetchPool } = this;
    this.consumer = undefined;
    this.fetchPool = undefined;
    try {
      await consumer?.close();
    } finally {
      await fetchPool?.close().catch(() => undefined);
    }
  }

  private client(): Consumer {
    if (!this.consumer) {
      if (this.phase === 'stopping' || this.phase === 'stopped') throw new Error('The consumer was disconnected');
      ({ consumer: this.consumer, fetchPool: this.fetchPool } = this.create());
    }
    return this.consumer;
  }

  private async join(): Promise<void> {
    await this.client().joinGroup({
      sessionTimeout: this.settings.sessionTimeoutMs,
      rebalanceTimeout: this.settings.rebalanceTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
    });
  }

  /** The group (re)assigned partitions: keep what was kept, forget what went elsewhere, tell the listeners. */
  private joined({ memberId, generationId, assignments }: ConsumerGroupJoinPayload): void {
    // Kept only from the generation right before, as the same member: otherwise the group may have given the
    // partition to another member in between, which may have committed past this member's position.
    const previous = this.generation;
    const continuous =
      previous?.memberId === memberId && generationId !== undefined && generationId === previous.generationId + 1;
    this.generation = { memberId, generationId: generationId ?? 0 };
    const assignment: Record<string, number[]> = {};
    const states = new Map<string, PartitionState>();
    for (const { topic, partitions } of assignments ?? []) {
      assignment[topic] = [...partitions];
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        const kept = continuous ? this.partitions.get(key) : undefined;
        states.set(key, kept ?? { topic, partition, key, paused: false, busy: false });
      }
    }
    this.partitions.clear();
    for (const [key, state] of states) this.partitions.set(key, state);
    for (const listener of this.joinListeners) listener(assignment);
    this.pump();
  }

  /** Starts a fetch for each broker that has fetchable partitions and none in flight; never runs twice at once. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.schedule()
      .catch((error: unknown) => this.crash(asError(error), false))
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async schedule(): Promise<void> {
    const consumer = this.consumer;
    if (this.phase !== 'running' || !consumer) return;
    // Mid-rebalance: the assignment is about to change; the join event pumps again. A membership that is neither
    // active nor rejoining ends in the library's 'error' event; the timer is only a safety net.
    if (!consumer.isActive()) return this.retrySoon(200);
    const fetchable = () => [...this.partitions.values()].filter((state) => !state.paused && !state.busy);
    const unplaced = fetchable().filter((state) => state.position === undefined);
    if (unplaced.length > 0) await this.place(consumer, unplaced);
    if (this.phase !== 'running') return;
    const ready = fetchable().filter((state) => state.position !== undefined);
    if (ready.length === 0) return;
    const metadata = await consumer.metadata({ topics: [...this.topics] });
    const byNode = new Map<number, PartitionState[]>();
    let leaderless = false;
    for (const state of ready) {
      const leader = metadata.topics.get(state.topic)?.partitions[state.partition]?.leader ?? -1;
      if (leader < 0 || !metadata.brokers.has(leader)) {
        leaderless = true;
        continue;
      }
      if (this.fetching.has(leader)) continue;
      byNode.set(leader, [...(byNode.get(leader) ?? []), state]);
    }
    if (leaderless) {
      // A leader election in progress: ask again shortly, with fresh metadata.
      consumer.clearMetadata();
      this.retrySoon(500);
    }
    for (const [node, states] of byNode) this.startCycle(consumer, metadata, node, states);
  }

  private retrySoon(ms: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.pump(), ms).unref();
  }

  /** Where to read each newly assigned partition from: the group's commit, else the start (or end) of the topic. */
  private async place(consumer: Consumer, states: readonly PartitionState[]): Promise<void> {
    const topics = [...new Set(states.map((state) => state.topic))];
    const partitionsOf = (topic: string, of: readonly PartitionState[]) =>
      of.filter((state) => state.topic === topic).map((state) => state.partition);
    const committed = await consumer.listCommittedOffsets({
      topics: topics.map((topic) => ({ topic, partitions: partitionsOf(topic, states) })),
    });
    const uncommitted = states.filter((state) => (committed.get(state.topic)?.[state.partition] ?? -1n) < 0n);
    const fallback =
      uncommitted.length === 0
        ? new Map<string, bigint[]>()
        : await consumer.listOffsets({
            topics: [...new Set(uncommitted.map((state) => state.topic))],
            partitions: Object.fromEntries(topics.map((topic) => [topic, partitionsOf(topic, uncommitted)])),
            timestamp: this.fromBeginning ? EARLIEST : LATEST,
          });
    for (const state of states) {
      if (this.partitions.get(state.key) !== state || state.position !== undefined) continue;
      const commit = committed.get(state.topic)?.[state.partition] ?? -1n;
      state.position = commit >= 0n ? commit : fallback.get(state.topic)?.[state.partition];
    }
  }

  private startCycle(consumer: Consumer, metadata: ClusterMetadata, node: number, states: PartitionState[]): void {
    this.fetching.add(node);
    for (const state of states) state.busy = true;
    const cycle = this.cycle(consumer, metadata, node, states)
      .catch((error: unknown) => this.crash(asError(error), false))
      .finally(() => {
        for (const state of states) state.busy = false;
        this.cycles.delete(cycle);
        this.fetching.delete(node);
        this.pump();
      });
    this.cycles.add(cycle);
  }

  /** One fetch from one broker, then its batches, in parallel up to `concurrency`. */
  private async cycle(consumer: Consumer, metadata: ClusterMetadata, node: number, states: PartitionState[]) {
    const requested = new Map(states.map((state) => [state.key, state]));
    const topics: FetchRequestTopic[] = [];
    for (const topic of new Set(states.map((state) => state.topic))) {
      const topicId = metadata.topics.get(topic)?.id;
      if (!topicId) continue;
      topics.push({
        topicId,
        partitions: states
          .filter((state) => state.topic === topic)
          .map((state) => ({
            partition: state.partition,
            fetchOffset: state.position as bigint,
            partitionMaxBytes: this.settings.maxBytesPerPartition,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          })),
      });
    }
    if (topics.length === 0) {
      // Metadata without the topics' ids (the topic was just deleted or re-created): ask again shortly.
      consumer.clearMetadata();
      await delay(500);
      return;
    }
    let response: FetchResponse;
    try {
      response = await consumer.fetch({
        node,
        topics,
        maxWaitTime: this.settings.maxWaitTimeMs,
        minBytes: 1,
        // read_committed, as the kafkajs adapter (see there why it is safe for every group).
        isolationLevel: READ_COMMITTED,
        maxBytes: this.settings.maxBytes,
        ...(this.fetchPool && { connectionPool: this.fetchPool }),
      });
    } catch (error) {
      if (this.phase !== 'running') return;
      if (this.resetOutOfRange(error, metadata, requested)) return;
      throw error;
    }
    if (this.phase !== 'running') return;
    const names = new Map([...metadata.topics].map(([name, topic]) => [topic.id, name]));
    const batches: Batch[] = [];
    for (const topicResponse of response.responses) {
      const topic = names.get(topicResponse.topicId) ?? topicResponse.topicId;
      for (const partitionResponse of topicResponse.partitions) {
        // An incremental fetch session may also answer for partitions not asked for this time: ignored.
        const state = requested.get(`${topic}:${partitionResponse.partitionIndex}`);
        if (!state || this.partitions.get(state.key) !== state || state.position === undefined) continue;
        const { records, next } = readRecords(topic, state.partition, state.position, partitionResponse.records ?? []);
        if (records.length > 0) batches.push({ state, highWatermark: partitionResponse.highWatermark, records });
        // Only control records (transaction markers) or nothing new: step over them without a batch.
        else if (next > state.position) state.position = next;
      }
    }
    await Promise.all(batches.map((batch) => this.slots.run(() => this.deliver(batch))));
  }

  /** Hands one partition's records to the reader, with the controls the port defines. */
  private async deliver({ state, highWatermark, records }: Batch): Promise<void> {
    const options = this.options;
    if (!options || this.phase !== 'running' || this.partitions.get(state.key) !== state) return;
    let done: bigint | undefined;
    const control: BatchControl = {
      isRunning: () => this.phase === 'running',
      // Also while a rebalance is under way: the partition may be on its way to another member, so the reader stops
      // early; commit() waits for the outcome and commits when the partition stayed.
      isStale: () => this.partitions.get(state.key) !== state || !this.consumer?.isActive(),
      // The library heart-beats on its own timer, whatever the batch does.
      heartbeat: async () => undefined,
      markDone: (offset) => {
        done = BigInt(offset);
      },
      commit: () => this.commit(state, done),
      pause: () => {
        state.paused = true;
        return () => {
          // A resume after the partition was lost (or regained as a new state) changes nothing.
          if (!state.paused) return;
          state.paused = false;
          this.pump();
        };
      },
    };
    try {
      await options.eachBatch(
        { topic: state.topic, partition: state.partition, highWatermark: String(highWatermark), records },
        control,
      );
    } catch (error) {
      // Like kafkajs, a reader's failure crashes the consumer, which restarts from the committed offsets.
      this.crash(asError(error), true);
      return;
    }
    // Records not marked done are fetched again: from the one after the last marked, or the batch's first.
    state.position = done !== undefined ? done + 1n : BigInt((records[0] as ConsumedRecord).offset);
    this.failures = 0;
  }

  /**
   * Commits the partition up to the last record marked done, unless the partition went elsewhere. During a
   * rebalance it first waits for the new assignment: the library rejoins at once, and a commit under the generation
   * that is ending could be refused, or made for a partition that is no longer this member's.
   */
  private async commit(state: PartitionState, done: bigint | undefined): Promise<void> {
    if (done === undefined || this.partitions.get(state.key) !== state) return;
    const consumer = this.consumer;
    if (!consumer) return;
    for (let waited = 0; !consumer.isActive(); waited += 50) {
      if (waited >= this.settings.rebalanceTimeoutMs || consumer.closed) return;
      await delay(50);
    }
    if (this.partitions.get(state.key) !== state) return;
    await consumer.commit({
      offsets: [{ topic: state.topic, partition: state.partition, offset: done + 1n, leaderEpoch: -1 }],
    });
  }

  /**
   * An offset out of range (the records were deleted by retention, or the log was truncated): read the partition
   * again from its start, or its end when the group reads only new records, as kafkajs does. True when handled.
   */
  private resetOutOfRange(error: unknown, metadata: ClusterMetadata, requested: Map<string, PartitionState>): boolean {
    const outOfRange = findInChain(error, (candidate) => candidate.apiId === 'OFFSET_OUT_OF_RANGE');
    const response = findInChain(error, (candidate) => 'response' in candidate) as
      { response?: FetchResponse } | undefined;
    if (!outOfRange || !response?.response) return false;
    const names = new Map([...metadata.topics].map(([name, topic]) => [topic.id, name]));
    for (const topicResponse of response.response.responses) {
      const topic = names.get(topicResponse.topicId) ?? topicResponse.topicId;
      for (const partitionResponse of topicResponse.partitions) {
        const state = requested.get(`${topic}:${partitionResponse.partitionIndex}`);
        if (!state || partitionResponse.errorCode === 0) continue;
        const offset = this.fromBeginning ? partitionResponse.logStartOffset : partitionResponse.highWatermark;
        // Unknown in the answer: placed again like a newly assigned partition.
        state.position = offset >= 0n ? offset : undefined;
        this.log?.('warn', `platformatic-kafka: ${state.key} offset out of range, reading from ${offset}`, {});
      }
    }
    return true;
  }

  /** Reports a failure and, unless it is final or the consumer is stopping, restarts after a growing wait. */
  private crash(error: Error, fromReader: boolean): void {
    if (this.phase === 'stopping' || this.phase === 'stopped') return;
    if (this.phase === 'restarting' || this.phase === 'crashed') return;
    // A reader's failure is always restarted (kafkajs wraps it as retriable once its own retries are spent); a
    // client failure only when Kafka may get over it (not an authorization failure, a missing topic...).
    const restarting = fromReader || isRetriable(error);
    this.phase = restarting ? 'restarting' : 'crashed';
    this.log?.('error', `platformatic-kafka: consumer crashed: ${error.message}`, { restarting });
    for (const listener of this.crashListeners) listener(error, restarting);
    if (restarting) void this.restart();
  }

  private async restart(): Promise<void> {
    this.failures += 1;
    // Batches in flight see isRunning() false and end; their partitions are then read again from the commits.
    await Promise.allSettled([...this.cycles]);
    const wait = Math.min(2_000, 250 * 2 ** Math.min(this.failures - 1, 4));
    await delay(wait, undefined, { signal: this.closing.signal }).catch(() => undefined);
    if (this.phase !== 'restarting') return;
    for (const state of this.partitions.values()) state.position = undefined;
    this.phase = 'running';
    try {
      if (!this.client().isActive()) await this.join();
      else for (const listener of this.joinListeners) listener(this.assignment());
    } catch (error) {
      this.crash(asError(error), false);
      return;
    }
    this.pump();
  }

  private assignment(): Assignment {
    const assignment: Record<string, number[]> = {};
    for (const { topic, partition } of this.partitions.values()) (assignment[topic] ??= []).push(partition);
    return assignment;
  }
}

/**
 * The records of one partition's fetch answer from `position` on (a fetch may start at an earlier batch boundary),
 * without transaction markers, and the offset after the last one the answer covered.
 */
function readRecords(
  topic: string,
  partition: number,
  position: bigint,
  batches: readonly RecordsBatch[],
): { records: ConsumedRecord[]; next: bigint } {
  const records: ConsumedRecord[] = [];
  let next = position;
  for (const batch of batches) {
    const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if (end > next) next = end;
    if (batch.attributes & IS_CONTROL_BATCH) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < position) continue;
      const timestamp =
        batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta;
      records.push({
        topic,
        partition,
        offset: String(offset),
        key: record.key,
        value: record.value,
        headers: headersOf(record.headers),
        timestamp: String(timestamp),
      });
    }
  }
  return { records, next };
}

// Runs for every header of every record consumed: a plain loop. A header without a value is left out.
function headersOf(headers: readonly [Buffer | null, Buffer | null][]): Headers {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name !== null && value !== null) result[name.toString()] = value.toString();
  }
  return result;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** At most `size` tasks at once, the others queued in order. */
class Slots {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finished task hands its slot straight to the next one queued, so none can slip in between.
    if (this.active < this.size) this.active += 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
