// The two outbox relays write the same records. One scenario of user events (creations, updates, deletions, with and
// without a cause, several per transaction, keys interleaved) goes once through the polling relay and once through
// Debezium on Kafka Connect (OUTBOX_RELAY=cdc), into one topic in two runs; an independent kafkajs consumer reads both
// back and compares them record by record: key, value bytes (Confluent wire format, the registered schema's id),
// every header's name, order and bytes, partition, and the order of each key's records.
//
// Needs the stack with Kafka Connect: `node tools/local-stack/cli.mjs up --with connect` (npm run test:cdc).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { correlation } from '@kafka-platform/core';
import type { CorrelationScope } from '@kafka-platform/core';
import type { EventType, LatestEventPayload } from '@kafka-platform/events';
import { Outbox } from '@kafka-platform/messaging';
import { stackEndpoints, startReplica, uniqueName, waitFor } from '@kafka-platform/testing';
import type { IsolatedApp } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, IHeaders } from 'kafkajs';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createUserServiceApp } from '../src/user-service.app';
import { startUserService } from '../test/test-support/user-service-under-test';

const CONNECT_URL = process.env['CONNECT_URL'] ?? 'http://localhost:8083';
const CONNECTOR_CONFIG = join(
  __dirname,
  '..',
  '..',
  '..',
  'libs',
  'messaging',
  'src',
  'outbox',
  'cdc',
  'outbox-connector.json',
);
/** Headers whose values are the event's own (a new id and time per write): checked against each run's envelopes. */
const PER_EVENT = ['event-id', 'occurred-at', 'event-sequence'];

interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: [string, Buffer | null][];
}

interface Step {
  readonly scope: CorrelationScope;
  readonly events: readonly { type: EventType; payload: unknown }[];
}

jest.setTimeout(180_000);

describe('outbox relays: polling and CDC (Debezium) publish the same records', () => {
  let cdc: IsolatedApp<NestExpressApplication>;
  let polling: IsolatedApp<NestExpressApplication>;
  let reader: TopicReader;
  const connector = uniqueName('outbox-cdc');
  const slot = connector.replace(/-/g, '_');

  beforeAll(async () => {
    cdc = await startUserService({ OUTBOX_RELAY: 'cdc' });
    // The same database and namespace (so the same topic and registered schemas), the other relay.
    polling = await startReplica(cdc, createUserServiceApp, { OUTBOX_RELAY: 'polling' });
    await registerConnector(connector, slot, cdc.database.name);
    reader = await TopicReader.start(cdc.topic);
  });

  afterAll(async () => {
    await reader?.stop();
    await removeConnector(connector, slot);
    await polling?.close();
    await cdc?.close();
  });

  it('writes every record of the scenario byte for byte as the polling relay does, in the same order per key', async () => {
    const steps = scenario();
    const polled = await runScenario(polling.app, steps);
    const captured = await runScenario(cdc.app, steps);

    const fromPolling = await reader.recordsOf(polled.map((event) => event.id));
    const fromCdc = await reader.recordsOf(captured.map((event) => event.id));
    expect(fromPolling).toHaveLength(polled.length);
    expect(fromCdc).toHaveLength(captured.length);

    // Per key, in log order: the n-th record of a key in one run is the n-th of that key in the other.
    const keys = [...new Set(polled.map((event) => event.key))];
    for (const key of keys) {
      const a = fromPolling.filter((record) => record.key?.toString() === key);
      const b = fromCdc.filter((record) => record.key?.toString() === key);
      expect(b).toHaveLength(a.length);
      a.forEach((record, index) => compareRecords(record, b[index] as ReadRecord));
      // Each run's own envelopes, in write order, are what its records carry.
      expect(a.map(header('event-id'))).toEqual(polled.filter((e) => e.key === key).map((e) => e.id));
      expect(b.map(header('event-id'))).toEqual(captured.filter((e) => e.key === key).map((e) => e.id));
      expect(b.map(header('occurred-at'))).toEqual(captured.filter((e) => e.key === key).map((e) => e.occurredAt));
      for (const records of [a, b]) {
        const sequences = records.map((record) => BigInt(header('event-sequence')(record) ?? '0'));
        expect(sequences.every((sequence, i) => i === 0 || sequence > (sequences[i - 1] as bigint))).toBe(true);
      }
    }
  });

  /** Two records of the same scenario step: equal in everything but the event's own id, time and sequence. */
  function compareRecords(fromPolling: ReadRecord, fromCdc: ReadRecord) {
    expect(fromCdc.partition).toBe(fromPolling.partition);
    expect(fromCdc.key?.equals(fromPolling.key as Buffer)).toBe(true);
    expect(fromCdc.value?.toString('hex')).toBe(fromPolling.value?.toString('hex'));
    expect(fromCdc.headers.map(([name]) => name)).toEqual(fromPolling.headers.map(([name]) => name));
    const comparable = (record: ReadRecord) =>
      record.headers
        .filter(([name]) => !PER_EVENT.includes(name))
        .map(([name, value]) => [name, value?.toString('hex')]);
    expect(comparable(fromCdc)).toEqual(comparable(fromPolling));
    for (const name of PER_EVENT) expect(header(name)(fromCdc)).toMatch(/\S/);
  }
});

/**
 * Four users created, updated five times each with their keys interleaved, two deleted; some steps write two events
 * in one transaction; events with a cause (a consumed event) alternate with events without (an HTTP request).
 */
function scenario(): Step[] {
  const correlationId = randomUUID();
  const traceparent = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
  const cause = { id: randomUUID(), correlationId, traceparent };
  const request: CorrelationScope = { correlationId, traceparent };
  const consumed: CorrelationScope = { correlationId, traceparent, causedBy: cause };
  const users = [0, 1, 2, 3].map((n) => ({
    userId: randomUUID(),
    email: `cdc-${n}@example.com`,
    name: `User ${n}`,
    locale: 'en',
  }));
  const steps: Step[] = [
    { scope: request, events: users.slice(0, 2).map((user) => ({ type: 'new_user', payload: user })) },
    { scope: consumed, events: users.slice(2).map((user) => ({ type: 'new_user', payload: user })) },
  ];
  for (let round = 1; round <= 5; round++) {
    users.forEach((user, n) =>
      steps.push({
        scope: (round + n) % 2 === 0 ? request : consumed,
        events: [{ type: 'user_updated', payload: { ...user, name: `User ${n} v${round}` } }],
      }),
    );
  }
  steps.push({
    scope: request,
    events: users.slice(0, 2).map((user) => ({ type: 'user_deleted', payload: { userId: user.userId } })),
  });
  return steps;
}

/** The steps through the app's own Outbox, each in a transaction of its own; the envelopes in write order. */
async function runScenario(app: NestExpressApplication, steps: readonly Step[]) {
  const outbox = app.get(Outbox);
  const dataSource = app.get(DataSource);
  const written = [];
  for (const step of steps) {
    const envelopes = await correlation.run(step.scope, () =>
      dataSource.transaction(async (manager) => {
        const added = [];
        for (const event of step.events) {
          added.push(await outbox.add(manager, event.type, event.payload as LatestEventPayload<typeof event.type>));
        }
        return added;
      }),
    );
    written.push(...envelopes);
  }
  return written;
}

const header =
  (name: string) =>
  (record: ReadRecord): string | undefined =>
    record.headers.find(([found]) => found === name)?.[1]?.toString();

/** Every record of a topic from its beginning, with its headers as they are on the wire (order, null values). */
class TopicReader {
  private readonly records: ReadRecord[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(topic: string): Promise<TopicReader> {
    const kafka = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueName('cdc-compare') });
    const reader = new TopicReader(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        reader.records.push({
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: headerEntries(message.headers ?? {}),
        });
      },
    });
    return reader;
  }

  /** Waits until every one of the event ids has a record; returns them in log order. */
  async recordsOf(eventIds: readonly string[]): Promise<ReadRecord[]> {
    const wanted = new Set(eventIds);
    const found = () => this.records.filter((record) => wanted.has(header('event-id')(record) ?? ''));
    await waitFor(`${wanted.size} records`, () => found().length >= wanted.size || undefined, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    return found().sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function headerEntries(headers: IHeaders): [string, Buffer | null][] {
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((one): [string, Buffer | null] => [
      name,
      one === undefined || one === null ? null : Buffer.from(one),
    ]),
  );
}

async function connectRequest(path: string, init: RequestInit = {}) {
  const response = await fetch(`${CONNECT_URL}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The connector the stack registers for the user-service, on this test's database, with a slot of its own. */
async function registerConnector(name: string, slot: string, database: string) {
  const { postgres } = stackEndpoints();
  const config = {
    ...JSON.parse(readFileSync(CONNECTOR_CONFIG, 'utf8')),
    'database.hostname': postgres.host,
    'database.port': String(postgres.port),
    'database.user': process.env['PGADMIN_USER'] ?? 'postgres',
    'database.password': process.env['PGADMIN_PASSWORD'] ?? '',
    'database.dbname': database,
    'topic.prefix': name,
    'slot.name': slot,
  };
  const put = await connectRequest(`/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  expect(put.status).toBeLessThan(300);
  // Debezium reads from the slot's creation on (snapshot.mode no_data): nothing may be written before it streams.
  await waitFor(
    `connector ${name} streaming from slot ${slot}`,
    async () => {
      const status = await connectRequest(`/connectors/${name}/status`);
      const failed = status.body?.tasks?.find((task: { state: string }) => task.state === 'FAILED');
      if (failed) throw new Error(`connector task failed: ${failed.trace}`);
      const running = status.body?.connector?.state === 'RUNNING' && status.body?.tasks?.[0]?.state === 'RUNNING';
      return running && (await slotActive(slot)) ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

/** Deletes the connector and its replication slot: a slot left behind would hold WAL and its database forever. */
async function removeConnector(name: string, slot: string) {
  await connectRequest(`/connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
  await waitFor(`slot ${slot} released`, async () => ((await slotActive(slot)) ? undefined : true), {
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  await asAdmin((client) =>
    client.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, [slot]),
  );
}

async function slotActive(slot: string): Promise<boolean> {
  const result = await asAdmin((client) =>
    client.query<{ active: boolean }>(`SELECT active FROM pg_replication_slots WHERE slot_name = $1`, [slot]),
  );
  return result.rows[0]?.active === true;
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { postgres } = stackEndpoints();
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: process.env['PGADMIN_USER'] ?? 'postgres',
    password: process.env['PGADMIN_PASSWORD'],
    database: 'postgres',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
