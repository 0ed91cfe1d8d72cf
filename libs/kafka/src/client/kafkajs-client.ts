import { setTimeout as delay } from 'node:timers/promises';
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import type {
  Admin,
  Consumer,
  IHeaders,
  KafkaConfig as KafkajsConfig,
  LogEntry,
  PartitionMetadata,
  Producer,
  SASLOptions,
} from 'kafkajs';
import { PlatformError, TransientError } from '@kafka-platform/core';
import { partitionForKey } from './murmur2';
import { recordOffsets } from './record-offsets';
import { quietKafkajsTimeoutWarning } from './quiet-kafkajs-warning';
import type { ConsumerTimings, KafkaConfig } from '../config/kafka-config';
import { readTlsFiles } from '../config/kafka-config';
import type {
  ConsumerRunOptions,
  Headers,
  KafkaAdminPort,
  KafkaClientPort,
  KafkaConsumerPort,
  KafkaProducerPort,
  OutgoingRecord,
  PartitionOffsets,
  TopicSpec,
} from './kafka-ports';

export type KafkaLogger = (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: object) => void;

const levels = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
} as const;

/** Builds the kafkajs client from checked config; TLS material is read here, once, at start-up. */
export async function createKafkajsClient(config: KafkaConfig, log?: KafkaLogger): Promise<KafkaClientPort> {
  return new KafkajsClient(await createKafkajs(config, log), config.consumer);
}

/**
 * The bare kafkajs client for the same config (brokers, TLS, SASL, logs, retries), for what KafkaClientPort does not
 * offer: transactions (a transactional producer and `sendOffsets`, see apps/signup-analytics). kafkajs only; the
 * @platformatic/kafka port has no transactions here.
 */
export async function createKafkajs(config: KafkaConfig, log?: KafkaLogger): Promise<Kafka> {
  quietKafkajsTimeoutWarning();
  const options: KafkajsConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    logLevel: log ? logLevel.WARN : logLevel.NOTHING,
    ...(log && {
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const { message, ...extra } = entry;
          log(levels[level as keyof typeof levels] ?? 'info', `kafkajs: ${message}`, extra);
        },
    }),
    ...(config.tls && { ssl: { ...(await readTlsFiles(config.tls)), rejectUnauthorized: true } }),
    ...(config.sasl && { sasl: config.sasl as SASLOptions }),
    retry: RETRY,
  };
  return new Kafka(options);
}

// kafkajs' default waits grow to 30 s between attempts, and a consumer that gave up sleeps the last wait before it
// restarts: after an outage the platform would stay idle up to half a minute. Short, capped waits (and as many
// attempts as it takes, see restartOnFailure) bring producers and consumers back within seconds of the broker.
const RETRY = { initialRetryTime: 250, maxRetryTime: 2_000, retries: 5 } as const;

export class KafkajsClient implements KafkaClientPort {
  constructor(
    private readonly kafka: Kafka,
    private readonly timings: Pick<ConsumerTimings, 'sessionTimeoutMs' | 'heartbeatIntervalMs'> = {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
    },
  ) {}

  producer(): KafkaProducerPort {
    // Idempotent with one request in flight: kafkajs' idempotence keeps order and avoids duplicates only then.
    return new KafkajsProducer(
      () =>
        this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          // Named explicitly (we partition ourselves with it anyway), which also silences kafkajs' v2 notice.
          createPartitioner: Partitioners.DefaultPartitioner,
        }),
      this.kafka.admin(),
    );
  }

  consumer(groupId: string): KafkaConsumerPort {
    return new KafkajsConsumer((restartOnFailure) =>
      this.kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        // A 1 s fetch long-poll instead of 5 s: stop() waits for the poll in flight, so shutdown stays quick.
        maxWaitTimeInMs: 1000,
        // read_committed (kafkajs' default, written down as the contract): a transactional writer's records
        // (signup-analytics' derived topics) arrive only once committed, never from an aborted transaction. For a
        // topic without transactional writers (user-events) it changes nothing: its last stable offset is its end.
        readUncommitted: false,
        sessionTimeout: this.timings.sessionTimeoutMs,
        heartbeatInterval: this.timings.heartbeatIntervalMs,
        // Whatever the crash, kafkajs restarts the consumer after a short wait when the error is retriable (unless
        // it was asked to stop); one that is not is reported as crashed, and the owner starts a new consumer.
        retry: { ...RETRY, restartOnFailure },
      }),
    );
  }

  admin(): KafkaAdminPort {
    return new KafkajsAdmin(this.kafka.admin());
  }
}

// The idempotent producer's own state (its id, epoch and sequence numbers) no longer matches the broker's: after a
// leader moved in the middle of a batch, kafkajs (unlike the Java client, KIP-360) keeps sending the stale sequence
// and every later write to the partition fails the same way. The records were refused, not written; a producer with
// a new id starts clean.
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

class KafkajsProducer implements KafkaProducerPort {
  // Partitions are assigned here, as the Java client's default partitioner does (murmur2 of the key), so that each
  // record's partition and offset are known: kafkajs itself only reports one base offset per partition. Records
  // without a key go round-robin through kafkajs' own partitioner.
  private readonly unkeyed = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, PartitionMetadata[]>();
  private producer: Producer;

  constructor(
    private readonly newProducer: () => Producer,
    private readonly admin: Admin,
  ) {
    this.producer = newProducer();
  }

  private connection?: Promise<void>;

  /** Connects once; a failed attempt is forgotten, so a producer made while Kafka was down connects later. */
  connect(): Promise<void> {
    this.connection ??= Promise.all([this.producer.connect(), this.admin.connect()]).then(
      () => undefined,
      (error: unknown) => {
        this.connection = undefined;
        throw error;
      },
    );
    return this.connection;
  }

  async disconnect() {
    this.connection = undefined;
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  async send(topic: string, records: readonly OutgoingRecord[]) {
    await this.connect();
    const partitionMetadata = await this.metadata(topic);
    const messages = records.map(({ key, value, headers }) => {
      // Converted once: kafkajs would turn a string key into bytes twice more (to size it and to write it).
      const bytes = typeof key === 'string' ? Buffer.from(key) : key;
      const partition =
        bytes === null
          ? this.unkeyed({ topic, partitionMetadata, message: { key, value } })
          : partitionForKey(bytes, partitionMetadata.length);
      return { key: bytes, value, headers, partition };
    });
    const results = await this.producer.send({ topic, acks: -1, messages }).catch(async (error: unknown) => {
      const refusal = brokerRefusal(error);
      if (refusal && PRODUCER_STATE_ERRORS.has(refusal.code)) throw await this.replaceProducer(refusal);
      throw refusal ?? error;
    });
    const baseOffsets = new Map(results.map((result) => [result.partition, BigInt(result.baseOffset ?? '0')]));
    return recordOffsets(
      topic,
      messages.map((message) => message.partition),
      baseOffsets,
    );
  }

  /** Drops the producer whose state went stale for a new one (a new producer id); the write is to be retried. */
  private async replaceProducer(refusal: PlatformError): Promise<TransientError> {
    const stale = this.producer;
    this.producer = this.newProducer();
    this.connection = undefined;
    await stale.disconnect().catch(() => undefined);
    return new TransientError(
      'PRODUCER_STATE_RESET',
      `The idempotent producer's state went stale (${refusal.code}); a new producer takes over, retry the write`,
      { cause: refusal },
    );
  }

  private async metadata(topic: string): Promise<PartitionMetadata[]> {
    const cached = this.partitions.get(topic);
    if (cached) return cached;
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] }).catch((error: Error) => {
      // Only a missing topic is final; a broker that does not answer stays a retryable failure.
      throw (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION' ? unknownTopic(topic, error) : error;
    });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0) throw unknownTopic(topic);
    this.partitions.set(topic, partitions);
    return partitions;
  }
}

/**
 * A write the brokers answered with an error (NOT_ENOUGH_REPLICAS, TOPIC_AUTHORIZATION_FAILED...), found in the
 * chain kafkajs wraps it in after its retries, as a PlatformError whose code is Kafka's error name and whose
 * retryable flag is Kafka's own verdict: the outbox parks what can never pass and waits out what can.
 */
export function brokerRefusal(error: unknown): PlatformError | undefined {
  let current = error as KafkajsErrorShape | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    if (current.name === 'KafkaJSProtocolError' && typeof current.type === 'string') {
      return new PlatformError(
        current.type,
        `Kafka refused the write: ${current.type} (${current.message ?? 'no detail'})`,
        current.retriable === true,
        { cause: error },
      );
    }
    current = current.cause;
  }
  return undefined;
}

interface KafkajsErrorShape {
  readonly name?: string;
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly message?: string;
  readonly cause?: KafkajsErrorShape;
}

const unknownTopic = (topic: string, cause?: Error) =>
  new PlatformError(
    'UNKNOWN_TOPIC',
    `Topic "${topic}" does not exist. Topics are created from the event catalog (ensureTopics), never on first use.`,
    false,
    { cause },
  );

// Runs for every header of every record consumed: a plain loop, no Object.entries arrays.
const headersOf = (headers: IHeaders | undefined): Headers => {
  const result: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) result[name] = Array.isArray(value) ? String(value[0]) : value.toString();
  }
  return result;
};

class KafkajsConsumer implements KafkaConsumerPort {
  private readonly consumer: Consumer;
  private stopping = false;

  constructor(create: (restartOnFailure: () => Promise<boolean>) => Consumer) {
    // kafkajs restarts a crashed consumer on a timer it sets after the crash: a stop() or disconnect() in between (a
    // disconnect while the consumer joins its group makes it crash) would be undone by that restart.
    this.consumer = create(async () => !this.stopping);
  }

  connect = () => this.consumer.connect();

  stop = () => {
    this.stopping = true;
    return this.consumer.stop();
  };

  disconnect = () => {
    this.stopping = true;
    return this.consumer.disconnect();
  };

  async subscribe(topics: readonly string[], { fromBeginning }: { fromBeginning: boolean }) {
    await this.consumer.subscribe({ topics: [...topics], fromBeginning });
  }

  onCrash(listener: (error: Error, restarting: boolean) => void) {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => listener(payload.error, payload.restart));
  }

  onJoin(listener: (assignment: Readonly<Record<string, readonly number[]>>) => void) {
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => listener(payload.memberAssignment));
  }

  async run({ concurrency, eachBatch }: ConsumerRunOptions) {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isRunning, isStale, commitOffsetsIfNecessary }) => {
        let done: string | undefined;
        await eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            records: batch.messages.map((message) => ({
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset,
              key: message.key,
              value: message.value,
              headers: headersOf(message.headers),
              timestamp: message.timestamp,
            })),
          },
          {
            isRunning,
            isStale,
            heartbeat,
            pause,
            markDone: (offset) => {
              resolveOffset(offset);
              done = offset;
            },
            commit: async () => {
              if (done === undefined || isStale()) return;
              // The batch's own commit works while the consumer is stopping; consumer.commitOffsets() silently
              // does nothing once stop() has begun, which would lose the last finished records' commit.
              const offset = String(BigInt(done) + 1n);
              await commitOffsetsIfNecessary({
                topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
              });
            },
          },
        );
      },
    });
  }
}

class KafkajsAdmin implements KafkaAdminPort {
  constructor(private readonly admin: Admin) {}

  connect = () => this.admin.connect();
  disconnect = () => this.admin.disconnect();
  listTopics = () => this.admin.listTopics();

  async brokerCount() {
    return (await this.admin.describeCluster()).brokers.length;
  }

  async clusterId() {
    return (await this.admin.describeCluster()).clusterId;
  }

  async describeTopics(topics: readonly string[]) {
    const existing = new Set(await this.admin.listTopics());
    const names = topics.filter((topic) => existing.has(topic));
    if (names.length === 0) return [];
    const [{ topics: metadata }, { resources }] = await Promise.all([
      this.admin.fetchTopicMetadata({ topics: names }),
      this.admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      }),
    ]);
    return metadata.map(({ name, partitions }) => {
      const entries = resources.find((resource) => resource.resourceName === name)?.configEntries ?? [];
      return {
        topic: name,
        partitions: partitions.length,
        configs: Object.fromEntries(entries.map((entry) => [entry.configName, entry.configValue])),
      };
    });
  }

  async createTopics(specs: readonly TopicSpec[]) {
    // kafkajs' own waitForLeaders gives up when the fresh topic is still "unknown"; wait here instead.
    await this.admin.createTopics({
      waitForLeaders: false,
      topics: specs.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.configs).map(([name, value]) => ({ name, value })),
      })),
    });
    // A broker can answer "unknown topic" for a moment after creating it; callers may produce right away.
    const topics = specs.map((spec) => spec.topic);
    for (let attempt = 1; ; attempt++) {
      try {
        const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics });
        if (metadata.every((topic) => topic.partitions.every((partition) => partition.leader >= 0))) return;
      } catch (error) {
        if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      }
      if (attempt >= 100) throw new Error(`Topics ${topics.join(', ')} have no leaders 10 s after creation`);
      await delay(100);
    }
  }

  deleteTopics = async (topics: readonly string[]) => this.admin.deleteTopics({ topics: [...topics] });

  async groupOffsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
    const [[committed], logEnd] = await Promise.all([
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
      this.admin.fetchTopicOffsets(topic),
    ]);
    return logEnd
      .map(({ partition, low, high }) => ({
        partition,
        committed: committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1',
        logStart: low,
        logEnd: high,
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await this.admin.listGroups();
    return groups.map((group) => group.groupId).sort();
  }

  async deleteGroup(groupId: string) {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      const groups = (error as { groups?: { error?: { type?: string } }[] }).groups ?? [];
      if (groups.length === 0 || groups.some((group) => group.error?.type !== 'GROUP_ID_NOT_FOUND')) throw error;
    }
  }

  async setGroupOffsets(groupId: string, topic: string, offsets: readonly { partition: number; offset: string }[]) {
    await this.admin.setOffsets({ groupId, topic, partitions: [...offsets] });
  }
}
