import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';
import { AvroCodec } from '../codec/avro-codec';
import type { KafkaConfig } from '../config/kafka-config';
import { EVENT_HANDLER_METADATA } from '../consumer/handle-event.decorator';
import type { EventHandlerMetadata } from '../consumer/handle-event.decorator';
import { ConsumerRuntime } from '../consumer/consumer-runtime';
import type { ConsumerState, EventHandlerRegistration } from '../consumer/consumer-runtime';
import type { EventContract } from '../contract/event-contract';
import type { EventEnvelope } from '../envelope/event-envelope';
import { KafkaMetrics } from '../metrics/kafka-metrics';
import type { KafkaModuleOptions } from './kafka-module-options';
import { nestLog } from './nest-log';
import { EVENT_CONTRACT, KAFKA_CONFIG, KAFKA_MODULE_OPTIONS } from './tokens';

/** Finds the @HandleEvent methods of the app's providers and runs the service's consumer group with them. */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KafkaConsumer');
  private runtime?: ConsumerRuntime;

  constructor(
    @Inject(KAFKA_MODULE_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @Inject(EVENT_CONTRACT) private readonly contract: EventContract,
    private readonly codec: AvroCodec,
    private readonly metrics: KafkaMetrics,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  get status(): { state: ConsumerState; error?: string } | undefined {
    return this.options.consumerGroup ? (this.runtime?.status ?? { state: 'idle' }) : undefined;
  }

  async onApplicationBootstrap() {
    const groupId = this.options.consumerGroup;
    if (!groupId) return;
    const handlers = this.discoverHandlers();
    this.runtime = new ConsumerRuntime(
      {
        groupId,
        topics: this.contract.topicsFor(groupId),
        deadLetterTopic: (topic) => this.contract.deadLetterTopic(topic, groupId),
        handlers,
        retry: this.config.retry,
        shutdownTimeoutMs: this.config.shutdownTimeoutMs,
      },
      {
        consumer: this.client.consumer(groupId),
        producer: this.client.producer(),
        codec: this.codec,
        metrics: this.metrics,
        log: nestLog(this.logger),
      },
    );
    await this.runtime.start();
    this.logger.log(`group ${groupId} consuming ${handlers.map((h) => `${h.type}@v${h.version}`).join(', ')}`);
  }

  async beforeApplicationShutdown() {
    await this.runtime?.stop();
  }

  private discoverHandlers(): EventHandlerRegistration[] {
    const found: EventHandlerRegistration[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = instance[method] as (event: EventEnvelope) => Promise<void>;
        const meta = Reflect.getMetadata(EVENT_HANDLER_METADATA, handler) as EventHandlerMetadata | undefined;
        if (!meta) continue;
        found.push({
          type: meta.type,
          version: meta.version ?? this.contract.latestVersion(meta.type),
          handle: (event) => handler.call(instance, event),
        });
      }
    }
    return found;
  }
}
