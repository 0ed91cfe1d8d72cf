import type { Registry } from 'prom-client';
import type { KafkaClientPort } from '../client/kafka-ports';
import type { EventContract } from '../contract/event-contract';

export interface KafkaModuleOptions {
  /** The service's name: default client id and log prefix. */
  readonly service: string;
  /** The consumer group this service reads its events with; none for a producer-only service. */
  readonly consumerGroup?: string;
  /** Create the catalog's topics at start-up when missing (development default; CI/operators do it in production). */
  readonly ensureTopics?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the Kafka metrics register when the app provides no METRICS_REGISTRY; prom-client's default otherwise. */
  readonly metricsRegistry?: Registry;
  /** Another client behind the same port (tests, a different Kafka library). */
  readonly client?: KafkaClientPort;
  /** Another event catalog (tests use their own topics); libs/events' catalog by default. */
  readonly contract?: EventContract;
}
