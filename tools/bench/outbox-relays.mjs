#!/usr/bin/env node
// Polling relay vs CDC relay (Debezium on Kafka Connect): latency and throughput of the user-service's outbox, from
// the commit of the writing transaction to the record reaching an independent consumer.
//
//   npm run build && node tools/local-stack/cli.mjs up --with connect
//   node --disable-warning=TimeoutNegativeWarning tools/bench/outbox-relays.mjs [--latency 200] [--events 5000]
//
// Both relays run on one throw-away database with the outbox's real migrations, into one 6-partition topic:
// - latency: one new_user event per transaction, one transaction every 25 ms (a light load), commit -> consumed;
// - throughput: `--events` events, one per transaction, from 8 concurrent writers (requests), first commit -> last
//   record consumed; the writers' own rate is reported too (in CDC mode each write also encodes, with the registry);
// - backlog drain: the same writes while the relay is stopped (the connector paused), then (re)start -> last consumed:
//   what the relay alone moves.
// Prints a markdown table and writes tools/bench/results/outbox-relays-<timestamp>.json.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  catalogContract,
  createAvroCodec,
  createKafkajsClient,
  EventPublisher,
  loadKafkaConfig,
} from '@kafka-platform/kafka';
import { createTestDatabase, deleteNamespaceSubjects, stackEndpoints, testNamespace } from '@kafka-platform/testing';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const CONNECT_URL = process.env.CONNECT_URL ?? 'http://localhost:8083';
const log = (message) => process.stderr.write(`[outbox-relays] ${message}\n`);
const now = () => process.hrtime.bigint();
const ms = (start, end) => Number(end - start) / 1e6;
const sleep = (delay) => new Promise((resolve) => setTimeout(resolve, delay));

const { values } = parseArgs({
  options: { latency: { type: 'string', default: '200' }, events: { type: 'string', default: '5000' } },
});
const LATENCY_EVENTS = Number(values.latency);
const THROUGHPUT_EVENTS = Number(values.events);
const WRITERS = 8;

async function until(what, done, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
    await sleep(20);
  }
}

/** Arrival time of every record of the topic, by its event-id header: the independent reader. */
async function startReader(brokers, topic) {
  const arrived = new Map();
  const kafka = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-outbox-relays-${randomUUID()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = now();
      for (const message of batch.messages) arrived.set(message.headers['event-id']?.toString(), at);
    },
  });
  return { arrived, stop: () => consumer.disconnect() };
}

async function connectRequest(path, init = {}) {
  const response = await fetch(`${CONNECT_URL}${path}`, init);
  const text = await response.text();
  if (!response.ok && response.status !== 404) throw new Error(`${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function asAdmin(work) {
  const { postgres } = stackEndpoints();
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: process.env.PGADMIN_USER ?? 'postgres',
    password: process.env.PGADMIN_PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const slotActive = async (slot) =>
  (await asAdmin((c) => c.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]))).rows[0]
    ?.active === true;

/** The user-service's connector config (libs/messaging/src/outbox/cdc/outbox-connector.json) on the bench database. */
async function registerConnector(name, database) {
  const { postgres } = stackEndpoints();
  const template = JSON.parse(
    readFileSync(join(repoRoot, 'libs/messaging/src/outbox/cdc/outbox-connector.json'), 'utf8'),
  );
  const slot = name.replace(/-/g, '_');
  await connectRequest(`/connectors/${name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...template,
      'database.hostname': postgres.host,
      'database.port': String(postgres.port),
      'database.user': process.env.PGADMIN_USER ?? 'postgres',
      'database.password': process.env.PGADMIN_PASSWORD ?? '',
      'database.dbname': database,
      'topic.prefix': name,
      'slot.name': slot,
    }),
  });
  await until(`connector ${name} streaming`, async () => {
    const status = await connectRequest(`/connectors/${name}/status`);
    return status?.tasks?.[0]?.state === 'RUNNING' && (await slotActive(slot));
  });
  return async () => {
    await connectRequest(`/connectors/${name}`, { method: 'DELETE' });
    await until(`slot ${slot} released`, async () => !(await slotActive(slot)));
    await asAdmin((c) =>
      c.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]),
    );
  };
}

// The messaging lib is loaded lazily, as the other bench suites load it (the workspace's rule for that lib).
const { MessagingModule, OUTBOX_MIGRATIONS, Outbox, OutboxRelay } = await import('@kafka-platform/messaging');

function relayOptions() {
  const { providers } = MessagingModule.forRoot({ outbox: { relay: false } });
  return providers.find((provider) => typeof provider?.useValue?.batchSize === 'number').useValue;
}

const relayMetrics = () => {
  const registers = [new Registry()];
  return {
    published: new Counter({ name: 'outbox_published_total', help: 'published', registers }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'failures', registers }),
    observeListener: () => undefined,
  };
};

const payload = () => ({ userId: randomUUID(), email: 'bench@example.com', name: 'Bench User', locale: 'en' });

/** One event in a transaction of its own, as a request writes it; resolves with the commit time. */
async function writeOne(dataSource, outbox) {
  const envelope = await dataSource.transaction((manager) => outbox.add(manager, 'new_user', payload()));
  return { id: envelope.id, committedAt: now() };
}

async function measureLatency(dataSource, outbox, reader) {
  const written = [];
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    written.push(await writeOne(dataSource, outbox));
    await sleep(25);
  }
  await until('latency records', () => written.every((w) => reader.arrived.has(w.id)));
  const latencies = written.map((w) => ms(w.committedAt, reader.arrived.get(w.id))).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { events: latencies.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: at(1) };
}

/** THROUGHPUT_EVENTS events, one per transaction, from WRITERS concurrent writers; their ids. */
async function writeMany(dataSource, outbox) {
  const ids = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < THROUGHPUT_EVENTS) {
        next += 1;
        ids.push((await writeOne(dataSource, outbox)).id);
      }
    }),
  );
  return ids;
}

const lastArrival = (reader, ids) =>
  ids.reduce((latest, id) => (reader.arrived.get(id) > latest ? reader.arrived.get(id) : latest), 0n);

/**
 * The relay alone: a backlog written while it is stopped (polling) or paused (the connector), then the time from its
 * (re)start until the last record is consumed.
 */
async function measureDrain(dataSource, outbox, reader, { stop, start: resume }) {
  await stop();
  const ids = await writeMany(dataSource, outbox);
  const start = now();
  await resume();
  await until('backlog records', () => ids.every((id) => reader.arrived.has(id)), 300_000);
  return { events: ids.length, eventsPerSecond: ids.length / (ms(start, lastArrival(reader, ids)) / 1000) };
}

async function measureThroughput(dataSource, outbox, reader) {
  const start = now();
  const ids = await writeMany(dataSource, outbox);
  const written = now();
  await until('throughput records', () => ids.every((id) => reader.arrived.has(id)), 300_000);
  const last = lastArrival(reader, ids);
  return {
    events: ids.length,
    writesPerSecond: ids.length / (ms(start, written) / 1000),
    eventsPerSecond: ids.length / (ms(start, last) / 1000),
    drainAfterLastWriteMs: ms(written, last),
  };
}

async function main() {
  const { kafkaBrokers: brokers, schemaRegistryUrl } = stackEndpoints();
  const config = loadKafkaConfig({ KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: schemaRegistryUrl }, 'bench');
  const namespace = testNamespace('bench');
  const contract = catalogContract(namespace);
  const codec = createAvroCodec({ url: schemaRegistryUrl, autoRegister: true }, contract);
  const client = await createKafkajsClient(config);
  const admin = client.admin();
  await admin.connect();
  const topic = contract.topicOf('new_user');
  const replicationFactor = Math.min(3, await admin.brokerCount());
  await admin.createTopics([{ topic, partitions: 6, replicationFactor, configs: {} }]);
  const database = await createTestDatabase('user_service');
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    migrations: OUTBOX_MIGRATIONS,
    extra: { max: 10 },
  });
  const producer = client.producer();
  let reader;
  let removeConnector;
  const results = {};
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    reader = await startReader(brokers, topic);
    // Warm-up, untimed: connections, the schema id, the consumer's assignment.
    await codec.encode('new_user', contract.latestVersion('new_user'), payload());

    log('polling relay');
    const newRelay = async () => {
      const started = new OutboxRelay(
        dataSource,
        new EventPublisher(producer, codec, contract),
        relayMetrics(),
        relayOptions(),
        'polling',
      );
      await started.onApplicationBootstrap();
      return started;
    };
    let relay = await newRelay();
    const polling = new Outbox(contract, codec, 'polling');
    try {
      const warm = await writeOne(dataSource, polling);
      await until('polling warm-up record', () => reader.arrived.has(warm.id));
      results.polling = {
        latency: await measureLatency(dataSource, polling, reader),
        throughput: await measureThroughput(dataSource, polling, reader),
        drain: await measureDrain(dataSource, polling, reader, {
          stop: () => relay.onApplicationShutdown(),
          start: async () => (relay = await newRelay()),
        }),
      };
    } finally {
      await relay.onApplicationShutdown();
    }
    log(JSON.stringify(results.polling));

    log('CDC relay (Debezium on Kafka Connect)');
    const connector = `bench-outbox-${namespace.replace(/_/g, '-')}`;
    removeConnector = await registerConnector(connector, database.name);
    const cdc = new Outbox(contract, codec, 'cdc');
    const warm = await writeOne(dataSource, cdc);
    await until('CDC warm-up record', () => reader.arrived.has(warm.id));
    const connectorIs = (state) => async () => {
      const status = await connectRequest(`/connectors/${connector}/status`);
      return status?.connector?.state === state && status?.tasks?.[0]?.state === state;
    };
    results.cdc = {
      latency: await measureLatency(dataSource, cdc, reader),
      throughput: await measureThroughput(dataSource, cdc, reader),
      drain: await measureDrain(dataSource, cdc, reader, {
        stop: async () => {
          await connectRequest(`/connectors/${connector}/pause`, { method: 'PUT' });
          await until('connector paused', connectorIs('PAUSED'));
        },
        start: () => connectRequest(`/connectors/${connector}/resume`, { method: 'PUT' }),
      }),
    };
    log(JSON.stringify(results.cdc));
  } finally {
    await removeConnector?.().catch((error) => log(`removing the connector: ${error.message}`));
    await reader?.stop();
    await producer.disconnect().catch(() => undefined);
    await dataSource.destroy().catch(() => undefined);
    await database.drop();
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
    await deleteNamespaceSubjects(namespace).catch(() => undefined);
  }
  const run = {
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length },
    latencyEvents: LATENCY_EVENTS,
    throughputEvents: THROUGHPUT_EVENTS,
    writers: WRITERS,
    results,
  };
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `outbox-relays-${run.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  const row = (name, r) =>
    `| ${name} | ${r.latency.p50Ms.toFixed(0)} | ${r.latency.p95Ms.toFixed(0)} | ${r.latency.p99Ms.toFixed(0)} | ${Math.round(r.throughput.eventsPerSecond)} | ${Math.round(r.drain.eventsPerSecond)} |`;
  process.stdout.write(
    [
      '| relay | latency p50 (ms) | p95 (ms) | p99 (ms) | 8 writers: events/s commit -> consumed | backlog drain (events/s) |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row('polling (OutboxRelay)', results.polling),
      row('CDC (Debezium EventRouter)', results.cdc),
      '',
    ].join('\n'),
  );
  log(`results: ${relative(repoRoot, file)}`);
}

// The project's kafkajs client keeps its metadata timers: exit once the run is over, failed or not.
main().then(
  () => process.exit(0),
  (error) => {
    log(`failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
