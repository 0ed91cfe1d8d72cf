// acks=all against min.insync.replicas 2 on three brokers: one broker stopped changes nothing, two stopped make
// every write fail with Kafka's own clear, retryable NOT_ENOUGH_REPLICAS, and one back makes them succeed again.
// The brokers are stopped gracefully (SIGTERM): each leaves the in-sync set while the controller quorum still
// has a majority, which is what a rolling restart gone wrong looks like.
import { randomUUID } from 'node:crypto';
import { classifyError, createKafkajsClient, loadKafkaConfig } from '@kafka-platform/kafka';
import { PlatformError } from '@kafka-platform/core';
import type { KafkaProducerPort } from '@kafka-platform/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { recordFault, secondsSince } from './support/report';
import { BROKERS, restartStack, stack } from './support/stack-control';

describe('a producer with acks=all while brokers go away', () => {
  const topic = `acks-${randomUUID().slice(0, 8)}`;
  const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  let producer: KafkaProducerPort;

  beforeAll(async () => {
    await admin.connect();
    // One partition with its leader on node 1, the node that stays.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    const client = await createKafkajsClient(
      loadKafkaConfig({ KAFKA_BROKERS: BROKERS.join(','), SCHEMA_REGISTRY_URL: 'http://localhost:8081' }, 'acks-test'),
    );
    producer = client.producer();
    await producer.connect();
  });
  afterAll(async () => {
    await restartStack();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }, 240_000);

  const send = (value: string) => producer.send(topic, [{ key: 'k', value: Buffer.from(value), headers: {} }]);

  it('h. keeps writing with one of three brokers stopped, refuses with NOT_ENOUGH_REPLICAS with two, and writes again once one returns', async () => {
    await expect(send('all three up')).resolves.toHaveLength(1);

    await stack('down', 'kafka-3');
    await expect(send('one stopped')).resolves.toHaveLength(1);

    await stack('down', 'kafka-2');
    const refused = await send('two stopped').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(PlatformError);
    expect(refused).toMatchObject({ code: 'NOT_ENOUGH_REPLICAS', retryable: true });
    expect(classifyError(refused).kind).toBe('transient');

    const backAt = Date.now();
    await stack('up', 'kafka-2');
    await expect(send('one back')).resolves.toHaveLength(1);
    const recovery = secondsSince(backAt);

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0]?.high).toBe('3');
    recordFault({
      fault: 'h. acks=all, min.insync 2: one then two of three brokers stopped',
      sent: 4,
      delivered: 3,
      duplicates: 0,
      resent: 0,
      deadLettered: 0,
      recoverySeconds: recovery,
      notes: 'one stopped: written; two stopped: refused NOT_ENOUGH_REPLICAS (retryable); one back: written',
    });
  });
});
