// The publish variants, each timed from its first send to its last ack, after a warm-up (connect + one small
// send) that is not timed. Every variant writes to a fresh topic of its own (see publish.mjs).
import kafkajs from 'kafkajs';
import { now, result, seconds } from './clock.mjs';
import { runKafkaTool } from './kafka-tools.mjs';

const { Kafka, logLevel, Partitioners } = kafkajs;

export const CHUNK = 100;

/** A kafkajs producer configured as the project's own (libs/kafka kafkajs-client.ts): idempotent, acks=all. */
export function rawProducer(brokers) {
  return new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/**
 * The untimed warm-up send, retried while a topic created a moment ago has no leader yet everywhere (the project's
 * producer, unlike kafkajs' own retries, reports UNKNOWN_TOPIC_OR_PARTITION at once).
 */
export async function warmUp(send, deadline = Date.now() + 15_000) {
  for (;;) {
    try {
      return await send();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** 1. kafkajs `send` of the prepared bytes, 100 records a request, one request at a time. */
export async function raw({ brokers, topic, record, records }) {
  const producer = rawProducer(brokers);
  await producer.connect();
  try {
    const message = { key: record.key, value: record.value, headers: record.headers };
    await warmUp(() => producer.send({ topic, acks: -1, messages: [message] }));
    const batch = Array.from({ length: CHUNK }, () => message);
    const start = now();
    for (let sent = 0; sent < records; sent += CHUNK) {
      const messages = records - sent >= CHUNK ? batch : batch.slice(0, records - sent);
      await producer.send({ topic, acks: -1, messages });
    }
    return result(records, seconds(start));
  } finally {
    await producer.disconnect();
  }
}

/**
 * 1b. @platformatic/kafka's own Producer with the same bytes, set up like the project's (idempotent, acks=all) and
 * left to its own partitioner: the two libraries side by side, without the project's code on either.
 */
export async function rawPlatformatic({ brokers, topic, record, records }) {
  const { Producer } = await import('@platformatic/kafka');
  const producer = new Producer({
    clientId: 'bench-raw-platformatic',
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: -1,
    autocreateTopics: false,
  });
  try {
    const headers = new Map(
      Object.entries(record.headers).map(([name, value]) => [Buffer.from(name), Buffer.from(value)]),
    );
    const message = { topic, key: Buffer.from(record.key), value: record.value, headers };
    await warmUp(() => producer.send({ messages: [message] }));
    const batch = Array.from({ length: CHUNK }, () => message);
    const start = now();
    for (let sent = 0; sent < records; sent += CHUNK) {
      await producer.send({ messages: records - sent >= CHUNK ? batch : batch.slice(0, records - sent) });
    }
    return result(records, seconds(start));
  } finally {
    await producer.close();
  }
}

/** 2. The project's EventPublisher.publishAll: envelope, Avro encoding and send, 100 events a call. */
export async function publishAll({ publisher, payload, records }) {
  await warmUp(() => publisher.publish('new_user', payload));
  const events = Array.from({ length: CHUNK }, () => ({ type: 'new_user', payload }));
  const start = now();
  for (let sent = 0; sent < records; sent += CHUNK) {
    await publisher.publishAll(records - sent >= CHUNK ? events : events.slice(0, records - sent));
  }
  return result(records, seconds(start));
}

/** 3. The project's EventPublisher.publish, each awaited before the next: how a request handler publishes. */
export async function publishOne({ publisher, payload, records }) {
  await warmUp(() => publisher.publish('new_user', payload));
  const start = now();
  for (let sent = 0; sent < records; sent += 1) await publisher.publish('new_user', payload);
  return result(records, seconds(start));
}

// "50000 records sent, 41459.4 records/sec (7.91 MB/sec), 1953.35 ms avg latency, 2923.00 ms max latency, ..."
// and, with --warmup-records, a last one "20000 steady state records sent, ..." without the warm-up.
const SUMMARY =
  /^(\d+) (?:steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/;

/** Parses ProducerPerformance's last summary line: the steady-state one when it had warm-up records. */
export function parseSummary(output) {
  const lines = output.split('\n').filter((line) => SUMMARY.test(line.trim()));
  const line = lines.at(-1);
  if (!line) throw new Error(`ProducerPerformance printed no summary line:\n${output.slice(-2000)}`);
  const [, records, perSecond, mbPerSecond, avgLatencyMs] = SUMMARY.exec(line.trim());
  return {
    records: Number(records),
    perSecond: Number(perSecond),
    mbPerSecond: Number(mbPerSecond),
    avgLatencyMs: Number(avgLatencyMs),
    line: line.trim(),
  };
}

/**
 * 4. org.apache.kafka.tools.ProducerPerformance, the Java client, on the same broker and topic layout: 200-byte
 * random values, no key, no headers. Its own clock (JVM start-up is not in it); its first records warm it up.
 */
export async function producerPerformance({ brokers, topic, records, warmup }) {
  const output = await runKafkaTool('ProducerPerformance', [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--num-records',
    String(records + warmup),
    '--warmup-records',
    String(warmup),
    '--record-size',
    '200',
    '--throughput',
    '-1',
    '--reporting-interval',
    '600000',
    '--command-property',
    'acks=all',
    'enable.idempotence=true',
  ]);
  const summary = parseSummary(output);
  return {
    records: summary.records,
    seconds: summary.records / summary.perSecond,
    recordsPerSecond: summary.perSecond,
    avgLatencyMs: summary.avgLatencyMs,
    summary: summary.line,
  };
}
