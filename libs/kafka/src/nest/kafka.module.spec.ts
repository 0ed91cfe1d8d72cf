// The Nest integration on the real stack: an @EventPattern handler receives what the injected publisher sends, and
// readiness follows the consumer, not only the broker.
import { randomUUID } from 'node:crypto';
import type { NewUserV1 } from '@kafka-platform/events';
import { Controller } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { Registry } from 'prom-client';
import { Ctx, Payload } from '@nestjs/microservices';
import { DLQ_HEADER } from '../dlq/dead-letter';
import { HEADER } from '../envelope/event-envelope';
import type { EventEnvelope } from '../envelope/event-envelope';
import { ConsumerHealthIndicator } from '../health/consumer-health.indicator';
import { KafkaHealthIndicator } from '../health/kafka-health.indicator';
import { EventPublisher } from '../producer/event-publisher';
import { EventPattern } from '../transport/event-pattern.decorator';
import type { KafkaEventContext } from '../transport/kafka-event.context';
import { startEventApp } from '../../test/test-support/event-app';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { ConsumerHost } from './consumer-host';

const received: EventEnvelope[] = [];
// The group each delivery came through, by event id and group.
const deliveredBy: { eventId: string; groupId?: string }[] = [];

@Controller()
class NewUserHandler {
  @EventPattern('new_user', { version: 1 })
  async onNewUser(@Payload() _user: NewUserV1, @Ctx() context: KafkaEventContext<'new_user', 1>): Promise<void> {
    received.push(context.getEnvelope());
    deliveredBy.push({ eventId: context.getEnvelope().id, groupId: context.getGroupId() });
  }
}

describe('KafkaModule (real stack)', () => {
  let kafka: KafkaHarness;
  let app: INestApplication;
  const group = uniqueName('module-group');
  const registry = new Registry();

  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([group]);
    app = await startEventApp(kafka, {
      service: 'module-test',
      group,
      controllers: [NewUserHandler],
      metricsRegistry: registry,
    });
  });
  afterAll(async () => {
    await app.close();
    await kafka.cleanup();
  });

  it('delivers a published event to the @EventPattern method, resolved to the version it asked for', async () => {
    const userId = randomUUID();
    const published = await app.get(EventPublisher).publish('new_user', {
      userId,
      email: 'nest@example.com',
      name: 'Nest',
      locale: 'fr',
    });

    const event = await waitFor('the handler to receive it', () => received.find((e) => e.id === published.eventId));
    expect(event).toMatchObject({ type: 'new_user', version: 3, key: userId });
    expect(event.payload).toEqual({ userId, email: 'nest@example.com', name: 'Nest' });
  });

  it('runs another group over the same handlers from the beginning, with its own offsets, DLQ and health', async () => {
    const earlier = await waitFor('an event the service group handled', () =>
      deliveredBy.find((d) => d.groupId === group),
    );
    const other = app.get(ConsumerHost).startGroup(uniqueName('rebuild'));

    // From the start of the log: the event the service's group handled earlier reaches the handler again.
    await waitFor('the earlier event through the other group', () =>
      deliveredBy.some((d) => d.eventId === earlier.eventId && d.groupId === other.groupId),
    );
    expect(app.get(ConsumerHealthIndicator).ready().consumer).toMatchObject({
      status: 'up',
      groups: { [other.groupId]: 'running' },
    });
    // A poison record is dead-lettered by each group into the service's DLQ, saying which group gave up.
    await kafka.produceRaw([
      { key: 'poison', value: Buffer.from('not avro'), headers: { [HEADER.eventId]: randomUUID() } },
    ]);
    const letters = await kafka.readAll(kafka.dlqTopic(group), 2);
    expect(letters.map((letter) => letter.headers[DLQ_HEADER.group]).sort()).toEqual([group, other.groupId].sort());
    await waitFor('the other group to commit past the poison record', async () => {
      const [service, rebuild] = await Promise.all([kafka.committed(group), kafka.committed(other.groupId)]);
      return [...service].every(([partition, offset]) => rebuild.get(partition) === offset);
    });

    await other.stop();
    expect(other.status.state).toBe('stopped');
    expect(app.get(ConsumerHost).otherGroups.size).toBe(0);
    await kafka.admin.deleteGroup(other.groupId);
    expect(await kafka.admin.listGroups()).not.toContain(other.groupId);
    await kafka.admin.deleteGroup(other.groupId); // already gone: no error
  });

  const runningGauge = async () =>
    (await registry.getSingleMetric('kafka_consumer_running')?.get())?.values.find(
      (sample) => sample.labels['group'] === group,
    )?.value;

  it('is ready while the consumer runs, and not ready once it has stopped (kafka_consumer_running says the same)', async () => {
    const consumer = app.get(ConsumerHealthIndicator);
    await waitFor('readiness', () => consumer.ready().consumer?.status === 'up');
    expect(consumer.ready().consumer).toMatchObject({ status: 'up', state: 'running' });
    expect(consumer.live().consumer).toMatchObject({ status: 'up', notRunningForMs: 0 });
    expect(await app.get(KafkaHealthIndicator).isHealthy()).toMatchObject({
      kafka: { status: 'up', brokers: expect.any(Number) },
    });

    expect(await runningGauge()).toBe(1);

    await app.get(ConsumerHost).beforeApplicationShutdown();
    expect(consumer.ready().consumer).toMatchObject({ status: 'down', state: 'stopped' });
    expect(await runningGauge()).toBe(0);
    // Stopped only just now: alive until KAFKA_CONSUMER_DEAD_AFTER has passed.
    expect(consumer.live().consumer).toMatchObject({ status: 'up', state: 'stopped' });
  });

  // Regression: the gauge was set by the consumer after each batch, so it froze exactly when the consumer stopped.
  it('reports the lag from the brokers, growing while the consumer is stopped', async () => {
    expect(app.get(ConsumerHost).status?.state).toBe('stopped');
    const lagOfGroup = async () => {
      const metric = await registry.getSingleMetric('kafka_consumer_lag')?.get();
      const samples = (metric?.values ?? []).filter((sample) => sample.labels['group'] === group);
      return samples.length > 0 ? samples.reduce((sum, sample) => sum + sample.value, 0) : undefined;
    };
    // What an independent reader says: the admin API's committed offsets against the log end.
    const fromAdmin = async () =>
      (await kafka.admin.groupOffsets(group, kafka.topic)).reduce(
        (sum, { committed, logEnd }) => sum + Number(logEnd) - Math.max(Number(committed), 0),
        0,
      );
    const before = await fromAdmin();
    await waitFor('the gauge to show the lag before', async () => (await lagOfGroup()) === before, {
      timeoutMs: 15_000,
    });

    const publisher = app.get(EventPublisher);
    for (const name of ['Stopped A', 'Stopped B', 'Stopped C']) {
      await publisher.publish('new_user', { userId: randomUUID(), email: 'lag@example.com', name, locale: 'en' });
    }
    expect(await fromAdmin()).toBe(before + 3);
    await waitFor(
      'the gauge to count the three records no consumer reads',
      async () => (await lagOfGroup()) === before + 3,
      {
        timeoutMs: 15_000,
      },
    );
  });
});
