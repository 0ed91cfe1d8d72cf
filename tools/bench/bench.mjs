#!/usr/bin/env node
// `npm run bench` (full) and `npm run bench -- --quick` (CI smoke): the benchmark of issue 11, in suites
// (`--suite publish,consume,outbox,end-to-end`, all by default): publishing, consuming and the outbox relay, each
// against raw kafkajs or Kafka's own tools on the same broker, then the three services under open-loop sign-ups.
// See docs/benchmarks.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EventPublisher,
  catalogContract,
  createAvroCodec,
  createKafkaClient,
  createKafkajsClient,
  loadKafkaConfig,
} from '@kafka-platform/kafka';
import { deleteNamespaceSubjects, deleteNamespaceTopics, stackEndpoints, testNamespace } from '@kafka-platform/testing';
import { latencySvg, throughputSvg } from './lib/charts.mjs';
import { consumeSuite } from './lib/consume.mjs';
import { endToEndTable, runEndToEnd } from './lib/end-to-end.mjs';
import { outboxSuite } from './lib/outbox.mjs';
import { publishSuite } from './lib/publish.mjs';
import { markdownTables, summarize } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
/** Not variants against each other: the platform at offered rates (a table of its own, see lib/end-to-end.mjs). */
const endToEndSuite = {
  id: 'end-to-end',
  title: 'End to end',
  plan: (quick) => (quick ? { rates: [20], durationSeconds: 3 } : { rates: [50, 200, 500, 1000], durationSeconds: 20 }),
  run: (ctx, plan) => runEndToEnd({ ...plan, env: ctx.env, log: (message) => ctx.log(`end-to-end: ${message}`) }),
};
const SUITES = [publishSuite, consumeSuite, outboxSuite, endToEndSuite];
const PARTITIONS = 6;
// A name-like, valid new_user v2 whose Avro value is ~200 bytes in Confluent wire format.
const USER_ID = '5b0c8f57-9d0c-4f0e-b0f4-6a1c2e3d4f50';
const PAYLOAD = {
  userId: USER_ID,
  email: 'ada.lovelace.benchmark-user@analytical-engine.example.com',
  name: 'Augusta Ada King, Countess of Lovelace (benchmark user with a long display name)',
  locale: 'en-GB',
};

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/** The value of `--name value` or `--name=value`, undefined when absent. */
function option(argv, name) {
  const at = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  return argv[at].includes('=') ? argv[at].slice(name.length + 3) : argv[at + 1];
}

/**
 * `--quick`, `--latest`, `--suite a,b` (all by default; an unknown suite is an error, not a silent no-op) and
 * `--scale f` (every N of the plan times f, repetitions unchanged: a shorter full run on a slow machine).
 */
function parseArgs(argv) {
  const list = option(argv, 'suite');
  const ids = list ? list.split(',').map((id) => id.trim()) : SUITES.map((suite) => suite.id);
  const unknown = ids.filter((id) => !SUITES.some((suite) => suite.id === id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new Error(`--suite takes a list of ${SUITES.map((suite) => suite.id).join(', ')}; got "${list}"`);
  }
  const scale = Number(option(argv, 'scale') ?? 1);
  if (!(scale > 0)) throw new Error(`--scale takes a positive number; got "${option(argv, 'scale')}"`);
  return {
    scale,
    quick: argv.includes('--quick'),
    latest: argv.includes('--latest'),
    suites: SUITES.filter((suite) => ids.includes(suite.id)),
  };
}

/** What every suite shares: the cluster, the project's client, codec and contract, and the prepared record. */
async function context(env, quick) {
  const { kafkaBrokers: brokers, schemaRegistryUrl } = stackEndpoints(env);
  // The defaults a service gets (retry policy, timeouts, consumer timings), on the stack's endpoints.
  const config = loadKafkaConfig({ KAFKA_BROKERS: brokers.join(','), SCHEMA_REGISTRY_URL: schemaRegistryUrl }, 'bench');
  const namespace = testNamespace('bench');
  const client = await createKafkajsClient(config);
  // The second client (KAFKA_CLIENT=platformatic) for the variants that compare the two on the project's own code.
  const platformatic = await createKafkaClient({ ...config, client: 'platformatic' });
  const admin = client.admin();
  await admin.connect();
  const brokerCount = await admin.brokerCount();
  const replicationFactor = Math.min(3, brokerCount);
  const contract = catalogContract(namespace);
  const codec = createAvroCodec({ url: schemaRegistryUrl, autoRegister: true }, contract);
  const topics = new Set();
  const cleanups = new Set();
  const ctx = {
    env,
    quick,
    log,
    brokers,
    schemaRegistryUrl,
    config,
    namespace,
    client,
    platformatic,
    admin,
    contract,
    codec,
    payload: PAYLOAD,
    partitions: PARTITIONS,
    brokerCount,
    replicationFactor,
    async newTopic(name) {
      const topic = `${namespace}.${name}`;
      await admin.createTopics([{ topic, partitions: PARTITIONS, replicationFactor, configs: {} }]);
      topics.add(topic);
      return topic;
    },
    async dropTopic(topic) {
      await admin.deleteTopics([topic]);
      topics.delete(topic);
    },
    /** Registers what an interrupted run must still undo (a throw-away database); returns its deregistration. */
    defer(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    /**
     * Ctrl-C or a kill: `finally` blocks do not run, so the namespace's topics and subjects go here, then the
     * deferred cleanups (last: dropping a database ends the connections of whatever still works on it).
     */
    async interrupted(signal) {
      log(`${signal}: cleaning up`);
      await ctx.close().catch(() => undefined);
      await Promise.allSettled([...cleanups].map((cleanup) => cleanup()));
      process.exit(130);
    },
    async close() {
      if (topics.size > 0) await admin.deleteTopics([...topics]).catch(() => undefined);
      await admin.disconnect();
      await Promise.allSettled([deleteNamespaceTopics(namespace, env), deleteNamespaceSubjects(namespace, env)]);
    },
  };
  ctx.record = await prepareRecord(ctx);
  return ctx;
}

/** The record the suites send and read: prepared once by the project itself (envelope headers, key, Avro value). */
async function prepareRecord({ client, codec, contract }) {
  const producer = client.producer();
  try {
    const prepared = await new EventPublisher(producer, codec, contract).prepare({
      type: 'new_user',
      payload: PAYLOAD,
      options: { correlationId: 'bench-correlation-id' },
    });
    return prepared.record;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

const scaled = (plan, scale) =>
  Object.fromEntries(
    Object.entries(plan).map(([key, value]) => [
      key,
      key === 'repetitions' || typeof value !== 'number' ? value : Math.max(1, Math.round(value * scale)),
    ]),
  );

/** Runs one suite and summarizes it; ratios may use the medians of suites that ran before it in this run. */
async function runSuite(suite, ctx, results, scale) {
  const sections = results.suites;
  const plan = scaled(suite.plan(ctx.quick), scale);
  const started = Date.now();
  if (suite === endToEndSuite) {
    const result = await suite.run(ctx, plan);
    return {
      title: suite.title,
      durationSeconds: (Date.now() - started) / 1000,
      plan,
      result,
      markdown: endToEndTable(result),
    };
  }
  const { runs, ...extra } = await suite.run(ctx, plan);
  const variants = summarize(suite.variants, runs);
  const rate = (id) => variants.find((variant) => variant.id === id)?.median ?? NaN;
  const rateOf = (suiteId, id) => sections[suiteId]?.variants.find((variant) => variant.id === id)?.median ?? NaN;
  const section = { title: suite.title, description: '', durationSeconds: (Date.now() - started) / 1000, plan };
  Object.assign(section, extra, { variants, ratios: suite.ratios(rate, rateOf), runs });
  section.description = suite.describe(results, section);
  return section;
}

function write(results, { quick, latest }) {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = join(dir, `${results.startedAt.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  writeFileSync(file, json);
  log(`results: ${relative(repoRoot, file)}`);
  if (!latest) return;
  // The committed figures are a full run's: a quick run's small N says little about throughput.
  if (quick) return log('--latest ignored for a quick run');
  writeFileSync(join(dir, 'latest.json'), json);
  log(`latest: ${relative(repoRoot, join(dir, 'latest.json'))}`);
  if (Object.values(results.suites).some((section) => section.variants)) {
    const chart = join(repoRoot, 'docs', 'benchmarks', 'throughput.svg');
    mkdirSync(dirname(chart), { recursive: true });
    writeFileSync(chart, throughputSvg(results));
    log(`latest: ${relative(repoRoot, chart)}`);
  }
  if (results.suites['end-to-end']) {
    const latency = join(repoRoot, 'docs', 'benchmarks', 'latency.svg');
    mkdirSync(dirname(latency), { recursive: true });
    writeFileSync(latency, latencySvg(results));
    log(`latest: ${relative(repoRoot, latency)}`);
  }
}

async function main() {
  const startedAt = new Date();
  const options = parseArgs(process.argv.slice(2));
  const env = { ...process.env };
  const ctx = await context(env, options.quick);
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => ctx.interrupted(signal));
  try {
    const { record } = ctx;
    const headerCount = Object.keys(record.headers).length;
    log(
      `${ctx.brokerCount} broker(s), RF ${ctx.replicationFactor}, ${PARTITIONS} partitions; value ${record.value.length} ` +
        `bytes, key ${record.key.length} bytes, ${headerCount} headers; ${options.quick ? 'quick' : 'full'} run of ` +
        options.suites.map((suite) => suite.id).join(', '),
    );
    const results = {
      benchmark: 'issue-11',
      mode: options.quick ? 'quick' : 'full',
      scale: options.scale,
      startedAt: startedAt.toISOString(),
      durationSeconds: undefined,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, platform: process.platform },
      cluster: {
        brokers: ctx.brokers,
        brokerCount: ctx.brokerCount,
        partitions: PARTITIONS,
        replicationFactor: ctx.replicationFactor,
        acks: 'all',
        idempotent: true,
      },
      record: { valueBytes: record.value.length, keyBytes: Buffer.byteLength(record.key), headers: headerCount },
      suites: {},
    };
    for (const suite of options.suites) {
      results.suites[suite.id] = await runSuite(suite, ctx, results, options.scale);
    }
    results.durationSeconds = (Date.now() - startedAt.getTime()) / 1000;
    write(results, options);
    process.stdout.write(`${markdownTables(results)}\n`);
  } finally {
    await ctx.close();
  }
}

main().catch((error) => {
  log(`failed: ${error.stack ?? error}`);
  process.exit(1);
});
