import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { KafkaAdminConnection } from '../admin/admin-connection';
import type { KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';
import { AvroCodec } from '../codec/avro-codec';
import { PersonalDataReader } from '../personal-data/personal-data';
import type { KafkaConfig } from '../config/kafka-config';
import { ConsumerRuntime } from '../consumer/consumer-runtime';
import type { BatchScope, ConsumerStatus, EventHandlerRegistration } from '../consumer/consumer-runtime';
import { namespaced } from '../contract/catalog-contract';
import type { EventContract } from '../contract/event-contract';
import { DependencyHealth } from '../health/dependency-health';
import { BrokerLag } from '../metrics/broker-lag';
import { KafkaMetrics } from '../metrics/kafka-metrics';
import { GroupSupervisor } from './group-supervisor';
import type { KafkaModuleOptions } from './kafka-module-options';
import { nestLog } from './nest-log';
import { CONSUMER_BATCH_SCOPE, EVENT_CONTRACT, KAFKA_CONFIG, KAFKA_MODULE_OPTIONS } from './tokens';

/** Another consumer group the service runs over its handlers (see ConsumerHost.startGroup). */
export interface SupervisedGroup {
  readonly groupId: string;
  readonly status: ConsumerStatus;
  /** Stops its consumer (it leaves the group) and its supervision. */
  stop(): Promise<void>;
}

/**
 * Keeps the service's consumer group running over the handlers the event transport registers (see GroupSupervisor
 * and KafkaEventTransport), plus any other group the service starts over the same handlers.
 */
@Injectable()
export class ConsumerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger('KafkaConsumer');
  private readonly createdAt = Date.now();
  private handlers: readonly EventHandlerRegistration[] = [];
  private main?: GroupSupervisor;
  private readonly others = new Map<string, GroupSupervisor>();
  private closing = false;

  constructor(
    @Inject(KAFKA_MODULE_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @Inject(EVENT_CONTRACT) private readonly contract: EventContract,
    private readonly codec: AvroCodec,
    private readonly metrics: KafkaMetrics,
    private readonly dependencies: DependencyHealth,
    private readonly admin: KafkaAdminConnection,
    private readonly personalData: PersonalDataReader,
    @Optional() @Inject(CONSUMER_BATCH_SCOPE) private readonly batchScope?: BatchScope,
  ) {}

  /** The service's own group; undefined for a service without one. */
  get status(): ConsumerStatus | undefined {
    if (!this.options.consumerGroup) return undefined;
    return this.main?.status ?? { state: 'idle', blocked: [] };
  }

  /** The other groups running now (see startGroup), by group id. */
  get otherGroups(): ReadonlyMap<string, ConsumerStatus> {
    return new Map([...this.others].map(([groupId, supervisor]) => [groupId, supervisor.status]));
  }

  /**
   * How long the service's consumer has not been running; 0 while it runs. Liveness fails past
   * KAFKA_CONSUMER_DEAD_AFTER (only the service's own group counts: another one is the service's own business).
   */
  notRunningForMs(now = Date.now()): number {
    return this.main ? this.main.notRunningForMs(now) : now - this.createdAt;
  }

  /** The group id on the cluster: the catalog's group name, with the namespace if one is set. */
  get groupId(): string | undefined {
    const group = this.options.consumerGroup;
    return group && namespaced(this.config.topics.namespace, group);
  }

  /** Starts the service's own group over the given handlers: the event transport's listen(). Once. */
  start(handlers: readonly EventHandlerRegistration[]): void {
    const group = this.options.consumerGroup;
    if (!group) throw new Error('This service has no consumer group to start');
    if (this.main || this.closing) throw new Error('The consumer group was started already');
    this.handlers = handlers;
    this.main = this.supervisor(group);
    this.main.start();
    // Groups asked for before the handlers were known (a rebuild resumed at start-up).
    for (const other of this.others.values()) other.start();
  }

  /** Stops every group it runs; consumers leave their groups before the database pools close. */
  async stop(): Promise<void> {
    this.closing = true;
    await Promise.all([this.main, ...this.others.values()].map((supervisor) => supervisor?.stop()));
    await this.personalData.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Runs another consumer group over the service's handlers, supervised like the service's own: e.g. a rebuild
   * of a projection from the start of the log beside the live group. It reads the service's topics (from the
   * earliest offset, as long as it has committed nothing), with every guarantee of the runtime (retries, holding
   * a partition through an outage, poison records to the DLQ), and dead-letters into the service's own DLQ
   * topics: it reads the same records, and a topic per extra group would not exist. A handler tells the groups
   * apart by `context.getGroupId()`. Starting a group that runs already returns it; one asked for before the
   * transport has registered the handlers starts with the service's own group.
   */
  startGroup(group: string): SupervisedGroup {
    if (!this.options.consumerGroup) throw new Error('This service has no consumer group to run others beside');
    if (this.closing) throw new Error('The service is shutting down');
    const groupId = namespaced(this.config.topics.namespace, group);
    let supervisor = this.others.get(groupId);
    if (!supervisor) {
      supervisor = this.supervisor(group);
      this.others.set(groupId, supervisor);
      if (this.main) supervisor.start();
    }
    const running = supervisor;
    return {
      groupId,
      get status() {
        return running.status;
      },
      stop: async () => {
        if (this.others.get(groupId) === running) {
          this.others.delete(groupId);
          this.metrics.untrackGroup(groupId);
        }
        await running.stop();
      },
    };
  }

  private supervisor(group: string): GroupSupervisor {
    const groupId = namespaced(this.config.topics.namespace, group);
    // From the brokers, not from the consumer: the gauge keeps moving while this group's consumer is down.
    const lag = new BrokerLag(groupId, this.contract.topicsFor(this.options.consumerGroup as string), this.admin);
    this.metrics.trackLag(groupId, () => lag.sample());
    const consuming = () => this.handlers.map((h) => `${h.type}@v${h.version}`).join(', ');
    const supervisor = new GroupSupervisor(groupId, () => this.createRuntime(groupId), this.logger, consuming);
    this.metrics.trackRunning(groupId, () => supervisor.status.state === 'running');
    return supervisor;
  }

  private createRuntime(groupId: string): ConsumerRuntime {
    const service = this.options.consumerGroup as string;
    return new ConsumerRuntime(
      {
        groupId,
        topics: this.contract.topicsFor(service),
        deadLetterTopic: (topic) => this.contract.deadLetterTopic(topic, service),
        handlers: this.handlers,
        retry: this.config.retry,
        shutdownTimeoutMs: this.config.shutdownTimeoutMs,
        heartbeatIntervalMs: this.config.consumer.heartbeatIntervalMs,
        keyConcurrency: this.config.consumer.keyConcurrency,
        ...(this.batchScope && { batchScope: this.batchScope }),
      },
      {
        consumer: this.client.consumer(groupId),
        producer: this.client.producer(),
        codec: this.codec,
        personalData: this.personalData,
        metrics: this.metrics,
        log: nestLog(this.logger),
        unhealthyDependencies: () => this.dependencies.unhealthy(),
      },
    );
  }
}
