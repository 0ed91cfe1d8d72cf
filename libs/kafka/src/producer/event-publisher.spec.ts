// Publishing on the real broker: envelope headers, key, partition and offset, and no topic created on demand.
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { HEADER } from '../envelope/event-envelope';
import { EventPublisher } from './event-publisher';

const userId = '3c2b1a09-8f7e-4d6c-9b5a-1f2e3d4c5b6a';

describe('EventPublisher (real Kafka)', () => {
  let kafka: KafkaHarness;
  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([]);
  });
  afterAll(() => kafka.cleanup());

  it('publishes with key = aggregate id, the envelope headers, and returns partition and offset', async () => {
    const publisher = await kafka.publisher();
    const published = await publisher.publish(
      'new_user',
      { userId, email: 'ada@example.com', name: 'Ada', locale: 'en' },
      { correlationId: 'req-42' },
    );

    const [record] = await kafka.readAll(kafka.topic, 1);
    expect(record).toMatchObject({ partition: published.partition, offset: published.offset });
    expect(record?.key?.toString()).toBe(userId);
    expect(record?.headers).toMatchObject({
      [HEADER.eventId]: published.eventId,
      [HEADER.eventType]: 'new_user',
      [HEADER.schemaVersion]: '3',
      [HEADER.correlationId]: 'req-42',
      [HEADER.occurredAt]: published.envelope.occurredAt,
    });
    expect(record?.headers[HEADER.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(record?.headers[HEADER.causationId]).toBeUndefined();
  });

  it('sends a batch in one call, keeping per-key order and returning each record its own offset', async () => {
    const publisher = await kafka.publisher();
    const events = ['a', 'b', 'c'].map((name) => ({
      type: 'user_updated',
      payload: { userId, email: `${name}@example.com`, name, locale: 'en' },
    }));
    const published = await publisher.publishAll(events);
    const offsets = published.map((p) => BigInt(p.offset));
    expect(new Set(published.map((p) => p.partition)).size).toBe(1);
    expect(offsets[1]).toBe((offsets[0] as bigint) + 1n);
    expect(offsets[2]).toBe((offsets[0] as bigint) + 2n);
  });

  it('refuses an event type the catalog does not declare', async () => {
    const publisher = await kafka.publisher();
    await expect(publisher.publish('user_exploded', { userId })).rejects.toMatchObject({
      code: 'UNKNOWN_EVENT_TYPE',
      retryable: false,
    });
  });

  it('fails clearly when the topic does not exist, and creates nothing', async () => {
    const producer = kafka.client.producer();
    await producer.connect();
    const missing = `${kafka.topic}-undeclared`;
    const publisher = new EventPublisher(producer, kafka.codec, { ...kafka.contract, topicOf: () => missing });
    try {
      await expect(publisher.publish('user_deleted', { userId })).rejects.toMatchObject({
        code: 'UNKNOWN_TOPIC',
        message: expect.stringContaining(`Topic "${missing}" does not exist`),
      });
    } finally {
      await producer.disconnect();
    }
    expect(await kafka.admin.listTopics()).not.toContain(missing);
  });
});
