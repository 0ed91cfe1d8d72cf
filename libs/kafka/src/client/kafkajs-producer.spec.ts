// Two kafkajs producer failures the fault suite found when a broker was killed mid-burst, and how the adapter
// answers them. kafkajs is stood in for here because these broker answers cannot be produced on demand; the fault
// suite's broker kill (tools/faults) is the real-stack proof.
// - kafkajs' idempotent producer does not recover from a stale sequence (KIP-360 is Java-only): once a broker
//   refuses a batch with OUT_OF_ORDER_SEQUENCE_NUMBER it refuses every later one (the outbox parked 1,205 rows).
// - kafkajs can resolve a send that never wrote a partition whose leader moved (one acknowledged row was lost).
import type { Kafka } from 'kafkajs';
import { classifyError } from '../errors/platform-error';
import { KafkajsClient } from './kafkajs-client';

const outOfOrder = () =>
  Object.assign(new Error('retries exceeded'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    cause: Object.assign(new Error('The broker received an out of order sequence number'), {
      name: 'KafkaJSProtocolError',
      type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      retriable: false,
    }),
  });

function standInKafka(answer: (partition: number) => object[] = (partition) => [{ partition, baseOffset: '7' }]) {
  const producers: { sends: number; disconnected: boolean; broken: boolean }[] = [];
  const kafka = {
    producer: () => {
      const state = { sends: 0, disconnected: false, broken: producers.length === 0 };
      producers.push(state);
      return {
        connect: async () => undefined,
        disconnect: async () => void (state.disconnected = true),
        send: async ({ messages }: { messages: { partition: number }[] }) => {
          state.sends += 1;
          if (state.broken) throw outOfOrder();
          return answer(messages[0]?.partition as number);
        },
      };
    },
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async () => ({ topics: [{ partitions: [{ partitionId: 0, leader: 1 }] }] }),
    }),
  };
  return { kafka: kafka as unknown as Kafka, producers };
}

describe('KafkajsClient producer', () => {
  it('replaces a producer whose sequence went stale and reports a retryable failure, so nothing is parked', async () => {
    const { kafka, producers } = standInKafka();
    const producer = new KafkajsClient(kafka).producer();
    const record = { key: 'k', value: Buffer.from('v'), headers: {} };

    const failure = await producer.send('t', [record]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'PRODUCER_STATE_RESET', retryable: true });
    expect(classifyError(failure).kind).toBe('transient');
    expect(producers[0]).toMatchObject({ disconnected: true });

    await expect(producer.send('t', [record])).resolves.toEqual([{ topic: 't', partition: 0, offset: '7' }]);
    expect(producers).toHaveLength(2);
    expect(producers[1]?.sends).toBe(1);
  });
});

describe('KafkajsClient producer after a leader moved mid-send', () => {
  it('reports a send that kafkajs resolved without confirming every partition as failed (records lost when a leader moved)', async () => {
    // kafkajs answered for no partition: what it returns when the moved partition's retry was skipped.
    const { kafka } = standInKafka(() => []);
    const producer = new KafkajsClient(kafka).producer();
    const record = { key: 'k', value: Buffer.from('v'), headers: {} };
    // The first send of a stand-in meets the stale-producer error; the second is the unconfirmed one.
    await producer.send('t', [record]).catch(() => undefined);
    const failure = await producer.send('t', [record]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'KAFKA_WRITE_UNCONFIRMED', retryable: true });
    expect((failure as Error).message).toContain('partition(s) 0 of t');
  });
});
