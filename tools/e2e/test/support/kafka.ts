import { stackEndpoints } from '@kafka-platform/testing';
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
