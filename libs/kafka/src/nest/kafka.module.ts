import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KafkaAdminConnection } from '../admin/admin-connection';
import { ensureCatalogTopics } from '../admin/ensure-topics';
import type { KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';
import { createKafkaClient } from '../client/kafka-client-factory';
import { AvroCodec, createAvroCodec } from '../codec/avro-codec';
import { loadKafkaConfig } from '../config/kafka-config';
import type { KafkaConfig } from '../config/kafka-config';
import { catalogContract, namespaced } from '../contract/catalog-contract';
import type { EventContract } from '../contract/event-contract';
import { PlatformError } from '@kafka-platform/core';
import { ConsumerHealthIndicator } from '../health/consumer-health.indicator';
import { DependencyHealth } from '../health/dependency-health';
import { KafkaHealthIndicator } from '../health/kafka-health.indicator';
import { SchemaRegistryHealthIndicator, checkSchemaRegistry } from '../health/schema-registry-health.indicator';
import { KafkaMetrics } from '../metrics/kafka-metrics';
import { PersonalDataReader, PersonalDataWriter } from '../personal-data/personal-data';
import { UserKeyStore } from '../personal-data/user-key-store';
import { EventPublisher } from '../producer/event-publisher';
import { ConsumerHost } from './consumer-host';
import { nestLog } from './nest-log';
import type { KafkaModuleOptions } from './kafka-module-options';
import { EVENT_CONTRACT, KAFKA_CONFIG, KAFKA_MODULE_OPTIONS } from './tokens';
import { METRICS_REGISTRY } from '@kafka-platform/core';
import type { Registry } from 'prom-client';

const PUBLISHER_PRODUCER = Symbol('PUBLISHER_PRODUCER');

// How long start-up waits for Kafka before it goes on and keeps trying in the background: long enough that topics
// exist when a healthy platform reports ready, short enough that a broker outage never holds a start-up.
const FOREGROUND_WAIT_MS = 5_000;
const RETRY_MS = { initial: 500, max: 5_000 } as const;

/**
 * Creates missing catalog topics (in development) and connects the publisher. Kafka being down at start-up is
 * not a reason to fail: the work goes on in the background until it succeeds (the outbox keeps the events
 * meanwhile), while a topic that differs from the catalog still stops the start.
 */
@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Kafka');
  private readonly closing = new AbortController();
  private background?: Promise<void>;

  constructor(
    @Inject(KAFKA_MODULE_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @Inject(PUBLISHER_PRODUCER) private readonly producer: ReturnType<KafkaClientPort['producer']>,
  ) {}

  async onModuleInit() {
    const first = this.prepare();
    // Cancelled once decided: a pending timer would keep a short-lived process (a test, a CLI) alive.
    const waiting = new AbortController();
    const outcome = await Promise.race([
      first.then(
        () => 'done' as const,
        (error: unknown) => error,
      ),
      delay(FOREGROUND_WAIT_MS, 'waiting' as const, { signal: waiting.signal }),
    ]).finally(() => waiting.abort());
    if (outcome === 'done') return;
    if (outcome instanceof PlatformError && !outcome.retryable) throw outcome;
    this.logger.warn(
      `Kafka is not reachable yet (${outcome === 'waiting' ? `no answer within ${FOREGROUND_WAIT_MS} ms` : (outcome as Error).message}); starting anyway and connecting in the background`,
    );
    this.background = this.retryUntilPrepared(first);
  }

  async onApplicationShutdown() {
    this.closing.abort();
    await this.background;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async retryUntilPrepared(first: Promise<void>): Promise<void> {
    const { signal } = this.closing;
    const closing = new Promise<'closing'>((resolve) => signal.addEventListener('abort', () => resolve('closing')));
    for (let failures = 1, attempt = first; ; failures++, attempt = this.prepare()) {
      // Shutdown does not wait for an attempt in flight; its outcome, whenever it comes, is handled here.
      const outcome = await Promise.race([
        attempt.then(
          () => 'done' as const,
          (error: unknown) => error,
        ),
        closing,
      ]);
      if (outcome === 'closing') return;
      if (outcome === 'done') {
        this.logger.log('connected to Kafka');
        return;
      }
      if (outcome instanceof PlatformError && !outcome.retryable) {
        this.logger.error(`Kafka set-up failed for good: ${outcome.message}`);
        return;
      }
      const wait = Math.min(RETRY_MS.max, RETRY_MS.initial * 2 ** Math.min(failures, 10));
      await delay(wait, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
    }
  }

  private async prepare(): Promise<void> {
    if (this.options.ensureTopics ?? this.config.schemaRegistry.autoRegister) {
      const { created } = await ensureCatalogTopics(this.client.admin(), this.config.topics);
      if (created.length > 0) this.logger.log(`created topics ${created.join(', ')}`);
    }
    await this.producer.connect();
  }
}

@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      imports: [TerminusModule],
      providers: [
        { provide: KAFKA_MODULE_OPTIONS, useValue: options },
        { provide: KAFKA_CONFIG, useFactory: () => loadKafkaConfig(options.env ?? process.env, options.service) },
        {
          provide: KAFKA_CLIENT,
          inject: [KAFKA_CONFIG],
          useFactory: (config: KafkaConfig) => {
            if (options.client) return options.client;
            return createKafkaClient(config, nestLog(new Logger('Kafka')));
          },
        },
        {
          provide: EVENT_CONTRACT,
          inject: [KAFKA_CONFIG],
          useFactory: (config: KafkaConfig) => options.contract ?? catalogContract(config.topics.namespace),
        },
        {
          provide: KafkaMetrics,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (registry?: Registry) => new KafkaMetrics(registry ?? options.metricsRegistry),
        },
        {
          provide: AvroCodec,
          inject: [KAFKA_CONFIG, EVENT_CONTRACT],
          useFactory: (config: KafkaConfig, contract: EventContract) =>
            createAvroCodec(config.schemaRegistry, contract),
        },
        {
          // Read by consumers only, and only once a sealed event arrives: the store connects on first use.
          provide: PersonalDataReader,
          inject: [KAFKA_CONFIG, KAFKA_CLIENT, AvroCodec, EVENT_CONTRACT],
          useFactory: (config: KafkaConfig, client: KafkaClientPort, codec: AvroCodec, contract: EventContract) =>
            new PersonalDataReader(
              new UserKeyStore(client, codec, contract, {
                keyEncryptionKey: config.personalData.keyEncryptionKey,
                groupPrefix: namespaced(config.topics.namespace, `${options.service}.user-keys`),
                waitMs: config.personalData.keyWaitMs,
              }),
            ),
        },
        {
          provide: PersonalDataWriter,
          inject: [KAFKA_CONFIG],
          useFactory: (config: KafkaConfig) => new PersonalDataWriter(config.personalData.keyEncryptionKey),
        },
        {
          provide: PUBLISHER_PRODUCER,
          inject: [KAFKA_CLIENT],
          useFactory: (client: KafkaClientPort) => client.producer(),
        },
        {
          provide: EventPublisher,
          inject: [PUBLISHER_PRODUCER, AvroCodec, EVENT_CONTRACT, KafkaMetrics],
          useFactory: (
            producer: ReturnType<KafkaClientPort['producer']>,
            codec: AvroCodec,
            contract: EventContract,
            metrics: KafkaMetrics,
          ) => new EventPublisher(producer, codec, contract, metrics),
        },
        {
          // Decoding needs the registry (for schema ids not seen yet), so every service depends on it.
          provide: DependencyHealth,
          inject: [KAFKA_CONFIG],
          useFactory: (config: KafkaConfig) => {
            const dependencies = new DependencyHealth();
            dependencies.register('schemaRegistry', () => checkSchemaRegistry(config.schemaRegistry));
            return dependencies;
          },
        },
        KafkaLifecycle,
        KafkaAdminConnection,
        ConsumerHost,
        ConsumerHealthIndicator,
        KafkaHealthIndicator,
        SchemaRegistryHealthIndicator,
      ],
      exports: [
        KAFKA_CLIENT,
        KafkaAdminConnection,
        KAFKA_CONFIG,
        EVENT_CONTRACT,
        AvroCodec,
        EventPublisher,
        KafkaMetrics,
        KafkaHealthIndicator,
        SchemaRegistryHealthIndicator,
        ConsumerHealthIndicator,
        DependencyHealth,
        ConsumerHost,
        PersonalDataReader,
        PersonalDataWriter,
      ],
    };
  }
}
