import { stackEndpoints } from '@kafka-platform/testing';
import type { INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { KafkaModule } from '../../src/nest/kafka.module';
import { connectKafkaTransport } from '../../src/transport/connect-kafka-transport';
import type { KafkaHarness } from './kafka-harness';

export interface EventAppOptions {
  readonly service: string;
  readonly group: string;
  readonly controllers: Type<unknown>[];
  readonly providers?: Provider[];
  readonly metricsRegistry?: Registry;
  /** More env for KafkaModule (retry timings...), beside the stack's endpoints. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A Nest app with KafkaModule and the given event handlers, started as the services start: modules, then the
 * Kafka transport. The harness's topics and contract; the caller closes it.
 */
export async function startEventApp(kafka: KafkaHarness, options: EventAppOptions): Promise<INestApplication> {
  const endpoints = stackEndpoints();
  const moduleRef = await Test.createTestingModule({
    imports: [
      KafkaModule.forRoot({
        service: options.service,
        consumerGroup: options.group,
        contract: kafka.contract,
        ensureTopics: false,
        metricsRegistry: options.metricsRegistry ?? new Registry(),
        env: {
          KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
          SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
          ...options.env,
        },
      }),
    ],
    controllers: options.controllers,
    providers: options.providers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  connectKafkaTransport(app);
  await app.init();
  await app.startAllMicroservices();
  return app;
}
