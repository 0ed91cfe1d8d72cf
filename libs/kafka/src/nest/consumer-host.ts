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
import { namespaced } from '../contract/catalog-contract';
import type { EventContract } from '../contract/event-contract';
import { correlation } from '../envelope/correlation-context';
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

  /** The group id on the cluster: the catalog's group name, with the namespace if one is set. */
  get groupId(): string | undefined {
    const group = this.options.consumerGroup;
    return group && namespaced(this.config.topics.namespace, group);
  }

  async onApplicationBootstrap() {
    if (!this.options.consumerGroup) return;
    this.handlers = this.discoverHandlers();
    await this.startRuntime();
  }

  async beforeApplicationShutdown() {
    await this.runtime?.stop();
  }

  /**
   * Leaves the group, runs `work` (e.g. move the group's offsets and clear what the handlers built), then
   * joins again with a new consumer. Offsets can only move while the group has no running members.
   */
  async whilePaused<T>(work: () => Promise<T>): Promise<T> {
    if (!this.runtime) throw new Error('This service has no consumer group to pause');
    await this.runtime.stop();
    try {
      return await work();
    } finally {
      await this.startRuntime();
    }
  }

  private handlers: EventHandlerRegistration[] = [];

  private async startRuntime() {
    const handlers = this.handlers;
    const group = this.options.consumerGroup as string;
    const groupId = this.groupId as string;
    this.runtime = new ConsumerRuntime(
      {
        groupId,
        topics: this.contract.topicsFor(group),
        deadLetterTopic: (topic) => this.contract.deadLetterTopic(topic, group),
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
          // Log lines and events published while handling carry the event's correlation id and cause.
          handle: (event) =>
            correlation.run(
              { correlationId: event.correlationId, causedBy: event, traceparent: event.traceparent },
              () => handler.call(instance, event),
            ),
        });
      }
    }
    return found;
  }
}
