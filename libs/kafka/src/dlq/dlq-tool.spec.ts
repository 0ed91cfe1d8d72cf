// The DLQ tool on the real broker: list what failed, redrive it to its source topic once, with an audit trail.
import { randomUUID } from 'node:crypto';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import type { EventEnvelope } from '../envelope/event-envelope';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { DLQ_HEADER } from './dead-letter';
import { listDeadLetters, redriveDeadLetters } from './dlq-tool';

describe('DLQ list and redrive (real Kafka)', () => {
  let kafka: KafkaHarness;
  beforeAll(async () => {
    kafka = await KafkaHarness.create();
  });
  afterAll(() => kafka.cleanup());

  it('brings a dead-lettered record back, and the group handles it once the cause is fixed', async () => {
    const group = uniqueName('group');
    await kafka.createTopics([group]);
    const userId = randomUUID();
    await (
      await kafka.publisher()
    ).publish('new_user', { userId, email: 'x@example.com', name: 'Redrive', locale: 'en' });
    let fixed = false;
    const handled: EventEnvelope[] = [];
    await kafka.runtime(group, [
      {
        type: 'new_user',
        version: 2,
        handle: async (event) => {
          // A bug (nothing marks it as an outage): bounded attempts, then the DLQ until a fix is deployed.
          if (!fixed) throw new Error('the welcome template is missing');
          handled.push(event);
        },
      },
    ]);

    const listed = await waitFor('the dead letter', async () => {
      const letters = await listDeadLetters(kafka.client, kafka.dlqTopic(group));
      return letters.length === 1 && letters;
    });
    expect(listed[0]).toMatchObject({
      key: userId,
      eventType: 'new_user',
      errorCode: 'UNCLASSIFIED',
      reason: 'attempts-exhausted',
      attempts: 3,
    });

    fixed = true;
    const redriven = await redriveDeadLetters(kafka.client, kafka.dlqTopic(group));
    expect(redriven).toHaveLength(1);
    await waitFor('the redriven record to be handled', () => handled.length === 1);
    expect(handled[0]?.key).toBe(userId);

    const records = await kafka.readAll(kafka.topic, 2);
    expect(records[1]?.headers[DLQ_HEADER.redrivenFrom]).toBe(
      `${kafka.dlqTopic(group)}/${listed[0]?.partition}/${listed[0]?.offset}`,
    );
    expect(records[1]?.headers[DLQ_HEADER.errorCode]).toBeUndefined();
    expect(await redriveDeadLetters(kafka.client, kafka.dlqTopic(group))).toEqual([]);
  });
});
