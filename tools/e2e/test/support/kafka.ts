import { stackEndpoints, uniqueName } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { IHeaders } from 'kafkajs';

const kafka = () => new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING });

/** Writes raw bytes, bypassing the platform's producer: what a misbehaving producer elsewhere might do. */
export async function writeRaw(topic: string, key: string, value: Buffer, headers: IHeaders = {}): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value, headers }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads a topic from the beginning with a throw-away group until `count` records arrived. */
export async function readRecords(
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<{ key: string | undefined; headers: Record<string, string> }[]> {
  const consumer = kafka().consumer({ groupId: uniqueName('e2e-reader'), maxWaitTimeInMs: 200 });
  const records: { key: string | undefined; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${records.length} of ${count} records on ${topic} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          records.push({ key: message.key?.toString(), headers });
          if (records.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    return records;
  } finally {
    await consumer.disconnect();
  }
}
