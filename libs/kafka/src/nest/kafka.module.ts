import { Inject, Injectable, Logger, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ensureTopics } from '../admin/ensure-topics';
import type { KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';
import { createKafkajsClient } from '../client/kafkajs-client';
import { AvroCodec, createSchemaRegistry } from '../codec/avro-codec';
import { loadKafkaConfig } from '../config/kafka-config';
import type { KafkaConfig } from '../config/kafka-config';
import { catalogContract, catalogTopicSpecs } from '../contract/catalog-contract';
import type { EventContract } from '../contract/event-contract';
import { KafkaHealthIndicator } from '../health/kafka-health.indicator';
import { SchemaRegistryHealthIndicator } from '../health/schema-registry-health.indicator';
import { KafkaMetrics } from '../metrics/kafka-metrics';
import { EventPublisher } from '../producer/event-publisher';
import { ConsumerHost } from './consumer-host';
import { nestLog } from './nest-log';
import type { KafkaModuleOptions } from './kafka-module-options';
import { EVENT_CONTRACT, KAFKA_CONFIG, KAFKA_MODULE_OPTIONS, METRICS_REGISTRY } from './tokens';
import type { Registry } from 'prom-client';

const PUBLISHER_PRODUCER = Symbol('PUBLISHER_PRODUCER');

/** Connects the publisher and creates missing catalog topics before the app serves; disconnects on shutdown. */
@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly producer;

  constructor(
    @Inject(KAFKA_MODULE_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @Inject(PUBLISHER_PRODUCER) producer: ReturnType<KafkaClientPort['producer']>,
  ) {
    this.producer = producer;
  }

  async onModuleInit() {
    if (this.options.ensureTopics ?? this.config.schemaRegistry.autoRegister) {
      const admin = this.client.admin();
      await admin.connect();
      try {
        const brokers = await admin.brokerCount();
        const { created } = await ensureTopics(admin, catalogTopicSpecs(this.config.topics, brokers));
        if (created.length > 0) new Logger('Kafka').log(`created topics ${created.join(', ')}`);
      } finally {
        await admin.disconnect();
      }
    }
    await this.producer.connect();
  }

  async onApplicationShutdown() {
    await this.producer.disconnect();
  }
}

@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      imports: [DiscoveryModule, TerminusModule],
      providers: [
        { provide: KAFKA_MODULE_OPTIONS, useValue: options },
        { provide: KAFKA_CONFIG, useFactory: () => loadKafkaConfig(options.env ?? process.env, options.service) },
        {
          provide: KAFKA_CLIENT,
          inject: [KAFKA_CONFIG],
          useFactory: (config: KafkaConfig) => {
            if (options.client) return options.client;
            return createKafkajsClient(config, nestLog(new Logger('Kafka')));
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
            new AvroCodec(createSchemaRegistry(config.schemaRegistry), contract, {
              autoRegister: config.schemaRegistry.autoRegister,
            }),
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
        KafkaLifecycle,
        ConsumerHost,
        KafkaHealthIndicator,
        SchemaRegistryHealthIndicator,
      ],
      exports: [
        KAFKA_CLIENT,
        KAFKA_CONFIG,
        EVENT_CONTRACT,
        AvroCodec,
        EventPublisher,
        KafkaMetrics,
        KafkaHealthIndicator,
        SchemaRegistryHealthIndicator,
        ConsumerHost,
      ],
    };
  }
}
