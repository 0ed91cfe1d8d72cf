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
import { PlatformError } from '../errors/platform-error';
import { quietKafkajsTimeoutWarning } from './quiet-kafkajs-warning';
import type { KafkaConfig } from '../config/kafka-config';
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
  };
  return new KafkajsClient(new Kafka(options));
}

export class KafkajsClient implements KafkaClientPort {
  constructor(private readonly kafka: Kafka) {}

  producer(): KafkaProducerPort {
    // Idempotent with one request in flight: kafkajs' idempotence keeps order and avoids duplicates only then.
    return new KafkajsProducer(
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
    // A 1 s fetch long-poll instead of 5 s: stop() waits for the poll in flight, so shutdown stays quick.
    return new KafkajsConsumer(this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 }));
  }

  admin(): KafkaAdminPort {
    return new KafkajsAdmin(this.kafka.admin());
  }
}

class KafkajsProducer implements KafkaProducerPort {
  // Partitions are assigned here, with kafkajs' Java-compatible murmur2 partitioner, so that each record's
  // partition and offset are known: kafkajs itself only reports one base offset per partition.
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly partitions = new Map<string, PartitionMetadata[]>();

  constructor(
    private readonly producer: Producer,
    private readonly admin: Admin,
  ) {}

  async connect() {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
  }

  async disconnect() {
    await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
  }

  async send(topic: string, records: readonly OutgoingRecord[]) {
    const partitionMetadata = await this.metadata(topic);
    const messages = records.map(({ key, value, headers }) => ({
      key,
      value,
      headers,
      partition: this.partitioner({ topic, partitionMetadata, message: { key, value } }),
    }));
    const results = await this.producer.send({ topic, acks: -1, messages });
    const next = new Map(results.map((result) => [result.partition, BigInt(result.baseOffset ?? '0')]));
    return messages.map(({ partition }) => {
      const offset = next.get(partition) ?? 0n;
      next.set(partition, offset + 1n);
      return { topic, partition, offset: String(offset) };
    });
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

const unknownTopic = (topic: string, cause?: Error) =>
  new PlatformError(
    'UNKNOWN_TOPIC',
    `Topic "${topic}" does not exist. Topics are created from the event catalog (ensureTopics), never on first use.`,
    false,
    { cause },
  );

const headersOf = (headers: IHeaders | undefined): Headers => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) result[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return result;
};

class KafkajsConsumer implements KafkaConsumerPort {
  constructor(private readonly consumer: Consumer) {}

  connect = () => this.consumer.connect();
  stop = () => this.consumer.stop();
  disconnect = () => this.consumer.disconnect();

  async subscribe(topics: readonly string[], { fromBeginning }: { fromBeginning: boolean }) {
    await this.consumer.subscribe({ topics: [...topics], fromBeginning });
  }

  onCrash(listener: (error: Error, restarting: boolean) => void) {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => listener(payload.error, payload.restart));
  }

  onJoin(listener: () => void) {
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => listener());
  }

  async run({ concurrency, eachBatch }: ConsumerRunOptions) {
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: concurrency,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        let done: bigint | undefined;
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
            markDone: (offset) => {
              resolveOffset(offset);
              done = BigInt(offset);
            },
            commit: async () => {
              if (done === undefined || isStale()) return;
              // The batch's own commit works while the consumer is stopping; consumer.commitOffsets() silently
              // does nothing once stop() has begun, which would lose the last finished records' commit.
              const offset = String(done + 1n);
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
      .map(({ partition, high }) => ({
        partition,
        committed: committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1',
        logEnd: high,
      }))
      .sort((a, b) => a.partition - b.partition);
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await this.admin.listGroups();
    return groups.map((group) => group.groupId).sort();
  }

  async resetGroupOffsets(groupId: string, topic: string) {
    // Real offsets, not kafkajs' resetOffsets(): that commits the marker -2, which groupOffsets would then
    // report as a committed position until the consumer commits again.
    const offsets = await this.admin.fetchTopicOffsets(topic);
    await this.setGroupOffsets(
      groupId,
      topic,
      offsets.map(({ partition, low }) => ({ partition, offset: low })),
    );
  }

  async setGroupOffsets(groupId: string, topic: string, offsets: readonly { partition: number; offset: string }[]) {
    await this.admin.setOffsets({ groupId, topic, partitions: [...offsets] });
  }
}
