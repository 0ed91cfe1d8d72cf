import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import type { Schema } from 'avsc';
import { Registry } from 'prom-client';
import type { BatchControl, ConsumedBatch, ConsumerRunOptions, KafkaConsumerPort } from '../client/kafka-ports';
import { AvroCodec } from '../codec/avro-codec';
import { newEnvelope, toHeaders } from '../envelope/event-envelope';
import type { EventEnvelope } from '../envelope/event-envelope';
import { TransientError } from '@kafka-platform/core';
import { KafkaMetrics } from '../metrics/kafka-metrics';
import { ConsumerRuntime } from './consumer-runtime';
import type { BatchScope } from './consumer-runtime';

// The runtime's per-batch bookkeeping (heartbeats, metrics), driven through a scripted consumer port: pure logic,
// no broker involved. Its behaviour against real Kafka is in consumer-runtime.spec.ts.
const SCHEMA: Schema = { type: 'record', name: 'Ping', fields: [{ name: 'n', type: 'int' }] };
const codec = new AvroCodec(
  { getSchema: async () => Type.forSchema(SCHEMA) } as unknown as SchemaRegistry,
  { readSchema: async () => JSON.stringify(SCHEMA), subjectFor: () => 'ping' },
  { autoRegister: true, subjects: { register: async () => ({ id: 1 }), lookup: async () => ({ id: 1 }) } },
);

async function record(type: string, offset: number, key: string | null = null) {
  const envelope = newEnvelope(type, 1, key ?? 'key', { n: offset });
  const value = await codec.encode(type, 1, { n: offset });
  return {
    topic: 't',
    partition: 0,
    offset: String(offset),
    key: key === null ? null : Buffer.from(key),
    value,
    headers: toHeaders(envelope),
    timestamp: '0',
  };
}

/** Runs one batch through a runtime over a consumer port that delivers it and records what the runtime did. */
async function runBatch(
  batch: ConsumedBatch,
  handle: (event: EventEnvelope) => Promise<void>,
  options: { metrics?: KafkaMetrics; keyConcurrency?: number; batchScope?: BatchScope } = {},
) {
  const { metrics, keyConcurrency, batchScope } = options;
  const calls = { heartbeats: 0, done: [] as string[], commits: 0, pauses: 0, deadLettered: [] as string[] };
  const control: BatchControl = {
    isRunning: () => true,
    isStale: () => false,
    heartbeat: async () => void calls.heartbeats++,
    markDone: (offset) => void calls.done.push(offset),
    commit: async () => void calls.commits++,
    pause: () => {
      calls.pauses += 1;
      return () => undefined;
    },
  };
  let finished!: Promise<void>;
  const consumer: KafkaConsumerPort = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async ({ eachBatch }: ConsumerRunOptions) => void (finished = eachBatch(batch, control)),
    stop: async () => undefined,
    disconnect: async () => undefined,
    onCrash: () => undefined,
    onJoin: () => undefined,
  };
  const runtime = new ConsumerRuntime(
    {
      groupId: 'g',
      topics: ['t'],
      deadLetterTopic: () => 't.dlq',
      handlers: [{ type: 'ping', version: 1, handle }],
      retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100, transientRetryForMs: 1_000 },
      shutdownTimeoutMs: 1_000,
      heartbeatIntervalMs: 20,
      keyConcurrency,
      batchScope,
    },
    {
      consumer,
      producer: {
        connect: async () => undefined,
        send: async (_topic, records) => {
          calls.deadLettered.push(...records.map((record) => String(record.headers['dlq-source-offset'])));
          return [];
        },
        disconnect: async () => undefined,
      },
      codec,
      metrics,
    },
  );
  await runtime.start();
  await finished;
  await runtime.stop();
  return calls;
}

describe('ConsumerRuntime, per batch', () => {
  it('keeps heart-beating while a batch runs longer than the heartbeat interval, one timer for the batch', async () => {
    const records = await Promise.all([0, 1, 2, 3].map((offset) => record('ping', offset)));
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 30));
    const calls = await runBatch({ topic: 't', partition: 0, highWatermark: '4', records }, slow);
    // 4 × 30 ms of handlers with a beat every 20 ms: at least 4 beats, and none once the batch ended.
    expect(calls.heartbeats).toBeGreaterThanOrEqual(4);
    expect(calls.done).toEqual(['0', '1', '2', '3']);
    const after = calls.heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls.heartbeats).toBe(after);
  });

  it('counts handled and skipped records and times every handled one, per event type', async () => {
    const metrics = new KafkaMetrics(new Registry());
    const records = await Promise.all([record('ping', 0), record('ping', 1), record('other', 2), record('ping', 3)]);
    await runBatch({ topic: 't', partition: 0, highWatermark: '4', records }, async () => undefined, { metrics });
    const consumed = (await metrics.consumed.get()).values.map(({ labels, value }) => [
      labels.type,
      labels.outcome,
      value,
    ]);
    expect(consumed).toEqual(
      expect.arrayContaining([
        ['ping', 'handled', 3],
        ['other', 'skipped', 1],
      ]),
    );
    expect(consumed).toHaveLength(2);
    const count = (await metrics.handlerDuration.get()).values.find(
      (value) => value.metricName === 'kafka_handler_duration_seconds_count',
    );
    expect(count).toMatchObject({ labels: { group: 'g', type: 'ping' }, value: 3 });
  });

  const keyed = (keys: string) => Promise.all([...keys].map((key, offset) => record('ping', offset, key)));
  const batchOf = (records: ConsumedBatch['records']): ConsumedBatch => ({
    topic: 't',
    partition: 0,
    highWatermark: String(records.length),
    records,
  });
  const n = (event: EventEnvelope) => (event.payload as { n: number }).n;

  it('handles different keys at once up to keyConcurrency, each key in order, and commits in offset order', async () => {
    const records = await keyed('ABCDABCD');
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const handle = async (event: EventEnvelope) => {
      most = Math.max(most, ++running);
      // Uneven durations, so keys overtake each other and the finished prefix lags behind.
      await new Promise((resolve) => setTimeout(resolve, 10 + (n(event) % 3) * 5));
      order.push(`${event.key}${n(event)}`);
      running -= 1;
    };
    const calls = await runBatch(batchOf(records), handle, { keyConcurrency: 4 });
    expect(most).toBe(4);
    for (const [index, key] of [...'ABCD'].entries()) {
      expect(order.filter((entry) => entry.startsWith(key))).toEqual([`${key}${index}`, `${key}${index + 4}`]);
    }
    expect(calls.done).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it('handles strictly in offset order with keyConcurrency 1', async () => {
    const order: number[] = [];
    await runBatch(batchOf(await keyed('ABAB')), async (event) => void order.push(n(event)));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('stops the key of a record to be retried, commits nothing past it, and holds the partition', async () => {
    const handled: number[] = [];
    const handle = async (event: EventEnvelope) => {
      if (n(event) === 1) throw new TransientError('DATABASE_DOWN', 'the database is restarting');
      handled.push(n(event));
    };
    const calls = await runBatch(batchOf(await keyed('ABCABC')), handle, { keyConcurrency: 3 });
    // B's later record (4) never ran; A and C may have run past the failure, but the commit stops before it.
    expect(handled).toContain(0);
    expect(handled).not.toContain(4);
    expect(calls.done).toEqual(['0']);
    expect(calls.pauses).toBe(1);
  });

  const plain = (count: number) => Promise.all(Array.from({ length: count }, (_, offset) => record('ping', offset)));
  const offsets = (count: number) => Array.from({ length: count }, (_, offset) => String(offset));

  it('handles a batch in scoped runs of up to 100 records, each marked done once its scope ended well', async () => {
    const runs: number[] = [];
    let inScope = 0;
    const batchScope: BatchScope = async (work) => {
      runs.push(0);
      const result = await work();
      runs[runs.length - 1] = inScope;
      inScope = 0;
      return result;
    };
    const calls = await runBatch(batchOf(await plain(250)), async () => void inScope++, { batchScope });
    expect(runs).toEqual([100, 100, 50]);
    expect(calls.done).toEqual(offsets(250));
  });

  it('handles the records of a failed scoped run again one by one: the poison one to the DLQ, the rest handled', async () => {
    const records = await plain(8);
    records[5] = { ...(records[5] as (typeof records)[number]), value: Buffer.from('not avro') };
    const handled: number[] = [];
    // A scope whose effects vanish when it fails, as a rolled-back transaction's do.
    const batchScope: BatchScope = async (work) => {
      const before = handled.length;
      try {
        return await work();
      } catch (error) {
        handled.length = before;
        throw error;
      }
    };
    const calls = await runBatch(batchOf(records), async (event) => void handled.push(n(event)), { batchScope });
    expect(handled).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(calls.deadLettered).toEqual(['5']);
    expect(calls.done).toEqual(offsets(8));
  });
});
