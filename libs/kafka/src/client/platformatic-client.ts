// KafkaClientPort on @platformatic/kafka (pure JavaScript), chosen with KAFKA_CLIENT=platformatic. It keeps every
// guarantee of the kafkajs adapter (kafkajs-client.ts) and passes the same real-Kafka suites
// (`nx run kafka:conformance`).
import type { Admin, BaseOptions, ConnectionPool, Consumer, Producer, SASLOptions } from '@platformatic/kafka';
import type { ConsumerTimings, KafkaConfig, KafkaSasl } from '../config/kafka-config';
import { readTlsFiles } from '../config/kafka-config';
import type { KafkaLogger } from './kafkajs-client';
import type { KafkaAdminPort, KafkaClientPort, KafkaConsumerPort, KafkaProducerPort } from './kafka-ports';
import { PlatformaticAdmin } from './platformatic-admin';
import { PlatformaticConsumer } from './platformatic-consumer';
import type { PlatformaticConsumerSettings } from './platformatic-consumer';
import { PlatformaticProducer } from './platformatic-producer';

export type PlatformaticLibrary = typeof import('@platformatic/kafka');

// Short, capped waits between attempts, as the kafkajs adapter's (250 ms doubling to 2 s, 5 retries): producers and
// consumers come back within seconds of the broker, and a broker that stays away is reported, not waited on forever
// (the library's idempotent producer would otherwise retry without end).
const RETRIES = 5;
const retryDelay = (_client: unknown, _operation: string, attempt: number) =>
  Math.min(2_000, 250 * 2 ** Math.max(0, attempt - 1));

const SASL_MECHANISMS: Record<KafkaSasl['mechanism'], SASLOptions['mechanism']> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

/**
 * Builds the client from checked config; TLS material is read here, once, at start-up. The library is an ES module
 * and is loaded here, on first use: it costs nothing where kafkajs is chosen (and Jest, which loads ES modules only
 * with --experimental-vm-modules, never meets it then).
 */
export async function createPlatformaticClient(config: KafkaConfig, log?: KafkaLogger): Promise<KafkaClientPort> {
  const library: PlatformaticLibrary = await import('@platformatic/kafka');
  const connection = {
    clientId: config.clientId,
    bootstrapBrokers: [...config.brokers],
    // The same TLS as kafkajs: the CA is pinned when given, and certificates and host names are always checked.
    ...(config.tls && {
      tls: { ...(await readTlsFiles(config.tls)), rejectUnauthorized: true },
      tlsServerName: true,
    }),
    ...(config.sasl && {
      sasl: {
        mechanism: SASL_MECHANISMS[config.sasl.mechanism],
        username: config.sasl.username,
        password: config.sasl.password,
      },
    }),
    retries: RETRIES,
    retryDelay,
    // kafkajs' request timeouts: the brokers get 30 s to acknowledge a write to all in-sync replicas.
    timeout: 30_000,
    requestTimeout: 30_000,
  } satisfies BaseOptions;
  return new PlatformaticClient(library, connection, config.consumer, log);
}

export class PlatformaticClient implements KafkaClientPort {
  constructor(
    private readonly library: PlatformaticLibrary,
    private readonly connection: BaseOptions,
    private readonly timings: Pick<ConsumerTimings, 'sessionTimeoutMs' | 'heartbeatIntervalMs'> = {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
    },
    private readonly log?: KafkaLogger,
  ) {}

  producer(): KafkaProducerPort {
    // Idempotent: the library then sends with acks=all and one request in flight per connection, and keeps
    // retrying a batch under the same sequence numbers, so a retry neither duplicates nor reorders records.
    return new PlatformaticProducer(
      (): Producer =>
        new this.library.Producer({ ...this.connection, idempotent: true, acks: -1, autocreateTopics: false }),
    );
  }

  consumer(groupId: string): KafkaConsumerPort {
    const settings: PlatformaticConsumerSettings = {
      sessionTimeoutMs: this.timings.sessionTimeoutMs,
      heartbeatIntervalMs: this.timings.heartbeatIntervalMs,
      rebalanceTimeoutMs: Math.max(60_000, this.timings.sessionTimeoutMs),
      // A 1 s fetch long-poll, as the kafkajs adapter: stop() waits for the poll in flight.
      maxWaitTimeMs: 1_000,
      // kafkajs' defaults: 1 MB per partition, 10 MB per fetch.
      maxBytesPerPartition: 1_048_576,
      maxBytes: 10_485_760,
    };
    return new PlatformaticConsumer(
      (): { consumer: Consumer; fetchPool: ConnectionPool } => ({
        consumer: new this.library.Consumer({
          ...this.connection,
          groupId,
          autocreateTopics: false,
          autocommit: false,
          sessionTimeout: settings.sessionTimeoutMs,
          heartbeatInterval: settings.heartbeatIntervalMs,
          rebalanceTimeout: settings.rebalanceTimeoutMs,
          maxWaitTime: settings.maxWaitTimeMs,
          // kafkajs' protocol, by name and metadata version: both encode Kafka's standard consumer protocol, so
          // members of either client can share a group (either may lead it) and a service can switch KAFKA_CLIENT
          // one replica at a time. Under the library's own name ("roundrobin") the broker refuses the second client
          // with INCONSISTENT_GROUP_PROTOCOL.
          protocols: [{ name: 'RoundRobinAssigner', version: 0 }],
        }),
        fetchPool: new this.library.ConnectionPool(this.connection.clientId, this.connection),
      }),
      settings,
      this.log,
    );
  }

  admin(): KafkaAdminPort {
    return new PlatformaticAdmin((): Admin => new this.library.Admin({ ...this.connection }));
  }
}
