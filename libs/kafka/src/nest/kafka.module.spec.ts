// The Nest integration on the real stack: a decorated handler receives what the injected publisher sends, and
// readiness follows the consumer, not only the broker.
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { stackEndpoints, uniqueName, waitFor } from '@kafka-platform/testing';
import { Registry } from 'prom-client';
import { HandleEvent } from '../consumer/handle-event.decorator';
import type { EventEnvelope } from '../envelope/event-envelope';
import { KafkaHealthIndicator } from '../health/kafka-health.indicator';
import { EventPublisher } from '../producer/event-publisher';
import { KafkaHarness } from '../test-support/kafka-harness';
import { ConsumerHost } from './consumer-host';
import { KafkaModule } from './kafka.module';

const received: EventEnvelope[] = [];

@Injectable()
class NewUserHandler {
  @HandleEvent('new_user', { version: 1 })
  async onNewUser(event: EventEnvelope): Promise<void> {
    received.push(event);
  }
}

describe('KafkaModule (real stack)', () => {
  let kafka: KafkaHarness;
  let app: INestApplication;
  const group = uniqueName('module-group');

  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([group]);
    const endpoints = stackEndpoints();
    const moduleRef = await Test.createTestingModule({
      imports: [
        KafkaModule.forRoot({
          service: 'module-test',
          consumerGroup: group,
          contract: kafka.contract,
          ensureTopics: false,
          metricsRegistry: new Registry(),
          env: { KAFKA_BROKERS: endpoints.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl },
        }),
      ],
      providers: [NewUserHandler],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await kafka.cleanup();
  });

  it('delivers a published event to the @HandleEvent method, resolved to the version it asked for', async () => {
    const userId = randomUUID();
    const published = await app.get(EventPublisher).publish('new_user', {
      userId,
      email: 'nest@example.com',
      name: 'Nest',
      locale: 'fr',
    });

    const event = await waitFor('the handler to receive it', () => received.find((e) => e.id === published.eventId));
    expect(event).toMatchObject({ type: 'new_user', version: 2, key: userId });
    expect(event.payload).toEqual({ userId, email: 'nest@example.com', name: 'Nest' });
  });

  it('is ready while the consumer runs, and not ready once it has stopped', async () => {
    const health = app.get(KafkaHealthIndicator);
    await waitFor('readiness', async () => (await health.isHealthy()).kafka?.status === 'up');
    expect((await health.isHealthy()).kafka).toMatchObject({
      status: 'up',
      brokers: 1,
      consumer: { state: 'running' },
    });

    await app.get(ConsumerHost).beforeApplicationShutdown();
    expect((await health.isHealthy()).kafka).toMatchObject({ status: 'down', consumer: { state: 'stopped' } });
  });
});
