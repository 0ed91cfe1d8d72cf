// Real-stack test support for libs/kafka: every test gets its own topic (and DLQs), so suites share one broker.
import { stackEndpoints, uniqueName, waitFor } from '@kafka-platform/testing';
import { Registry } from 'prom-client';
import type {
  ConsumedRecord,
  KafkaAdminPort,
  KafkaClientPort,
  OutgoingRecord,
  TopicSpec,
} from '../../src/client/kafka-ports';
import { createKafkaClient } from '../../src/client/kafka-client-factory';
import { createAvroCodec } from '../../src/codec/avro-codec';
import { loadKafkaConfig } from '../../src/config/kafka-config';
import type { KafkaConfig } from '../../src/config/kafka-config';
import { ConsumerRuntime } from '../../src/consumer/consumer-runtime';
import type {
  ConsumerRuntimeDeps,
  ConsumerRuntimeOptions,
  EventHandlerRegistration,
} from '../../src/consumer/consumer-runtime';
import { catalogContract } from '../../src/contract/catalog-contract';
import type { EventContract } from '../../src/contract/event-contract';
import { KafkaMetrics } from '../../src/metrics/kafka-metrics';
import { EventPublisher } from '../../src/producer/event-publisher';

export const PARTITIONS = 3;

/**
 * The client the suites run on: KAFKA_CLIENT from the environment (kafkajs unless set), so that the same specs
 * prove both clients (`nx run kafka:conformance` runs them with KAFKA_CLIENT=platformatic).
 */
export const clientEnv = (): NodeJS.ProcessEnv =>
  process.env['KAFKA_CLIENT'] ? { KAFKA_CLIENT: process.env['KAFKA_CLIENT'] } : {};

export function testConfig(overrides: NodeJS.ProcessEnv = {}): KafkaConfig {
  const endpoints = stackEndpoints();
  return loadKafkaConfig(
    {
      ...clientEnv(),
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      KAFKA_HANDLER_MAX_ATTEMPTS: '3',
      KAFKA_RETRY_INITIAL_MS: '20',
      KAFKA_RETRY_MAX_MS: '100',
      KAFKA_SHUTDOWN_TIMEOUT_MS: '5000',
      ...overrides,
    },
    'kafka-lib-test',
  );
}

export class KafkaHarness {
  readonly topic = uniqueName('kafka-lib');
  readonly config = testConfig();
  readonly metrics = new KafkaMetrics(new Registry());
  readonly codec = createAvroCodec({ ...this.config.schemaRegistry, autoRegister: true }, catalogContract());
  readonly contract: EventContract;
  private readonly topics: string[] = [];
  private readonly runtimes: ConsumerRuntime[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  private constructor(
    readonly client: KafkaClientPort,
    readonly admin: KafkaAdminPort,
  ) {
    const real = catalogContract();
    // The real catalog (schemas, subjects, keys, versions), with this test's own topic in place of user-events.
    this.contract = {
      ...real,
      topicOf: (type) => {
        real.topicOf(type); // unknown types still fail as in production
        return this.topic;
      },
      topicsFor: () => [this.topic],
    };
  }

  static async create(): Promise<KafkaHarness> {
    const config = testConfig();
    const client = await createKafkaClient(config).catch((error: Error) => {
      // Jest loads @platformatic/kafka (ES modules only) only with --experimental-vm-modules.
      if (config.client !== 'platformatic' || !/ES Module|ERR_REQUIRE_ESM|vm modules/i.test(error.message)) throw error;
      throw new Error(
        'KAFKA_CLIENT=platformatic needs NODE_OPTIONS=--experimental-vm-modules under Jest: run `npx nx run kafka:conformance`',
        { cause: error },
      );
    });
    const admin = client.admin();
    await admin.connect();
    return new KafkaHarness(client, admin);
  }

  dlqTopic(group: string): string {
    return this.contract.deadLetterTopic(this.topic, group);
  }

  /** Creates the test topic and the DLQ of each group. */
  async createTopics(groups: readonly string[], partitions = PARTITIONS): Promise<void> {
    const spec = (topic: string): TopicSpec => ({ topic, partitions, replicationFactor: 1, configs: {} });
    const specs = [spec(this.topic), ...groups.map((group) => spec(this.dlqTopic(group)))];
    await this.admin.createTopics(specs);
    this.topics.push(...specs.map((s) => s.topic));
  }

  async publisher(): Promise<EventPublisher> {
    const producer = this.client.producer();
    await producer.connect();
    this.closers.push(() => producer.disconnect());
    return new EventPublisher(producer, this.codec, this.contract, this.metrics);
  }

  async produceRaw(records: readonly OutgoingRecord[]): Promise<void> {
    const producer = this.client.producer();
    await producer.connect();
    try {
      await producer.send(this.topic, records);
    } finally {
      await producer.disconnect();
    }
  }

  /** Starts a consumer group on the test topic; stopped by cleanup() unless the test stops it. */
  async runtime(
    groupId: string,
    handlers: readonly EventHandlerRegistration[],
    options: Partial<ConsumerRuntimeOptions> = {},
    deps: Partial<ConsumerRuntimeDeps> = {},
  ): Promise<ConsumerRuntime> {
    const runtime = new ConsumerRuntime(
      {
        groupId,
        topics: [this.topic],
        deadLetterTopic: (topic) => this.contract.deadLetterTopic(topic, groupId),
        handlers,
        retry: this.config.retry,
        shutdownTimeoutMs: this.config.shutdownTimeoutMs,
        ...options,
      },
      {
        consumer: this.client.consumer(groupId),
        producer: this.client.producer(),
        codec: this.codec,
        metrics: this.metrics,
        ...deps,
      },
    );
    await runtime.start();
    this.runtimes.push(runtime);
    return runtime;
  }

  /** Reads at least `count` records of a topic from the start, with a throwaway group. */
  async readAll(topic: string, count: number, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
    const seen: ConsumedRecord[] = [];
    const consumer = this.client.consumer(uniqueName('reader'));
    await consumer.connect();
    try {
      await consumer.subscribe([topic], { fromBeginning: true });
      await consumer.run({
        concurrency: 1,
        eachBatch: async (batch, control) => {
          seen.push(...batch.records);
          for (const record of batch.records) control.markDone(record.offset);
        },
      });
      return await waitFor(`${count} records on ${topic}`, () => seen.length >= count && seen, { timeoutMs });
    } finally {
      await consumer.disconnect();
    }
  }

  async committed(groupId: string): Promise<Map<number, bigint>> {
    const offsets = await this.admin.groupOffsets(groupId, this.topic);
    return new Map(offsets.map((p) => [p.partition, BigInt(p.committed)]));
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.runtimes.map((runtime) => runtime.stop().catch(() => undefined)));
    await Promise.all(this.closers.map((close) => close().catch(() => undefined)));
    await this.admin.deleteTopics(this.topics).catch(() => undefined);
    await this.admin.disconnect();
  }
}
