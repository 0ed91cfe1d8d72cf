// The outbox suite: the project's OutboxRelay draining N new_user rows from a real PostgreSQL outbox table into a
// fresh 6-partition topic, timed from the relay's start until every row is settled as sent. The relay's claim size
// (rows per round) is the variant; they alternate like the other suites' variants.
import { EventPublisher } from '@kafka-platform/kafka';
import { createTestDatabase } from '@kafka-platform/testing';
import kafkajs from 'kafkajs';
import { Counter, Registry } from 'prom-client';
import { now, result, seconds, sleep } from './clock.mjs';
import { warmUp } from './variants.mjs';

const { Kafka, logLevel } = kafkajs;

const plan = (quick) => (quick ? { repetitions: 1, rows: 2_000 } : { repetitions: 3, rows: 50_000 });

// The relay claims batchSize rows a round and, while rounds come back full, doubles that up to maxBatchSize. The
// default lets it grow; the fixed sizes (maxBatchSize = batchSize) show what the growth is worth.
const variants = [
  {
    id: 'relayDefault',
    label: 'OutboxRelay, default options (claim grows with the backlog)',
    short: 'relay (defaults)',
    options: {},
  },
  {
    id: 'relay100',
    label: 'OutboxRelay, claim fixed at 100',
    short: 'relay (claim 100)',
    options: { batchSize: 100, maxBatchSize: 100 },
  },
  {
    id: 'relay500',
    label: 'OutboxRelay, claim fixed at 500',
    short: 'relay (claim 500)',
    options: { batchSize: 500, maxBatchSize: 500 },
  },
];

// The messaging lib (and TypeORM under it) is loaded only when this suite runs: the other suites need neither.
async function messaging() {
  try {
    return { ...(await import('@kafka-platform/messaging')), ...(await import('typeorm')) };
  } catch (error) {
    throw new Error(
      `the outbox suite needs the messaging lib built (npx nx run-many -t build -p messaging): ${error.message}`,
    );
  }
}

/**
 * The relay's options as a service gets them: MessagingModule's defaults (not exported) with the variant's
 * overrides, read from the provider forRoot makes, so the benchmark follows the defaults when they change.
 */
function relayOptions(lib, overrides) {
  const { providers } = lib.MessagingModule.forRoot({ outbox: { relay: false, ...overrides } });
  const options = providers.find((provider) => typeof provider?.useValue?.batchSize === 'number')?.useValue;
  if (!options) throw new Error('MessagingModule.forRoot made no relay options provider');
  return options;
}

/** A throw-away database with the outbox's real migrations, on a pool configured like PlatformModule's. */
async function openDatabase(ctx, lib) {
  const database = await createTestDatabase('user_service', ctx.env);
  try {
    const dataSource = new lib.DataSource({
      type: 'postgres',
      url: database.url,
      migrations: lib.OUTBOX_MIGRATIONS,
      migrationsTransactionMode: 'each',
      extra: { max: 10, connectionTimeoutMillis: 5000 },
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    return { database, dataSource };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/**
 * N pending new_user v2 rows, one user each (distinct keys, as signups are), written as Outbox.add writes them
 * (payload and stored metadata as JSON), in one statement; then ANALYZE, as autovacuum would after a bulk write.
 */
async function fill(dataSource, { rows, payload, version, traceparent }) {
  await dataSource.query(`TRUNCATE outbox RESTART IDENTITY`);
  await dataSource.query(
    `INSERT INTO outbox (event_id, event_type, version, key, payload, metadata)
     SELECT id, 'new_user', $2, id::text,
            jsonb_build_object('userId', id::text, 'email', $3::text, 'name', $4::text, 'locale', $5::text),
            jsonb_build_object('occurredAt', now(), 'correlationId', id::text, 'causationId', null,
                               'traceparent', $6::text)
       FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $1)) AS users`,
    [rows, version, payload.email, payload.name, payload.locale, traceparent],
  );
  await dataSource.query(`ANALYZE outbox`);
}

/**
 * What the relay needs of OutboxMetrics (not exported by the messaging lib): its two counters, incremented once per
 * round. Its gauges cost nothing until Prometheus scrapes them, which nothing does here.
 */
function relayMetrics() {
  const registers = [new Registry()];
  return {
    published: new Counter({ name: 'outbox_published_total', help: 'Outbox rows published', registers }),
    failures: new Counter({ name: 'outbox_publish_failures_total', help: 'Failed publish attempts', registers }),
    observeListener: () => undefined,
  };
}

/**
 * Polls `count` until it reaches `target`. A count that stops moving for `stallMs` fails the run (a relay that
 * keeps failing its rounds would otherwise only show as a long wait).
 */
async function until(what, count, target, intervalMs, stallMs = 30_000) {
  let last = -1;
  let movedAt = Date.now();
  for (let current = await count(); current < target; current = await count()) {
    if (current !== last) [last, movedAt] = [current, Date.now()];
    if (Date.now() - movedAt > stallMs) throw new Error(`outbox: ${what} stuck at ${current} of ${target}`);
    await sleep(intervalMs);
  }
}

/** One drain: fill, start the relay, wait for the topic to hold every row, then for the table to say so too. */
async function drain({ ctx, lib, dataSource, variant, repetition, rows }) {
  const topic = await ctx.newTopic(`${variant.id}-${repetition}`);
  // An admin per drain: kafkajs keeps asking for the metadata of every topic it once saw, and fails once the
  // previous drain's topic is deleted.
  const topicAdmin = new Kafka({ clientId: 'bench-outbox', brokers: ctx.brokers, logLevel: logLevel.NOTHING }).admin();
  await topicAdmin.connect();
  const producer = ctx.client.producer();
  const publisher = new EventPublisher(producer, ctx.codec, { ...ctx.contract, topicOf: () => topic });
  try {
    // Untimed: producer connection, topic metadata and schema id, as a running service has them already.
    await warmUp(() => publisher.publish('new_user', ctx.payload));
    const version = ctx.contract.latestVersion('new_user');
    await fill(dataSource, { rows, payload: ctx.payload, version, traceparent: ctx.record.headers.traceparent });
    const onTopic = async () =>
      (await topicAdmin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
    const expected = (await onTopic()) + rows;
    const sent = async () =>
      Number((await dataSource.query(`SELECT count(*) AS n FROM outbox WHERE state = 'sent'`))[0].n);
    const metrics = relayMetrics();
    const relay = new lib.OutboxRelay(dataSource, publisher, metrics, relayOptions(lib, variant.options));
    const start = now();
    await relay.onApplicationBootstrap();
    try {
      // The topic first (a broker request, no load on the database the relay works), the table once it is full.
      await until(`the records on ${topic}`, onTopic, expected, 25);
      const published = now();
      await until('the rows settled as sent', sent, rows, 10);
      const settled = now();
      return result(rows, seconds(start, settled), {
        topic,
        publishedSeconds: seconds(start, published),
        duplicates: (await onTopic()) - expected,
      });
    } finally {
      await relay.onApplicationShutdown();
    }
  } finally {
    await Promise.all([producer.disconnect(), topicAdmin.disconnect()]);
    await ctx.dropTopic(topic);
  }
}

async function run(ctx, PLAN) {
  const lib = await messaging();
  const { database, dataSource } = await openDatabase(ctx, lib);
  const undo = ctx.defer(() => database.drop());
  const runs = [];
  try {
    for (let repetition = 1; repetition <= PLAN.repetitions; repetition += 1) {
      for (const variant of variants) {
        const outcome = await drain({ ctx, lib, dataSource, variant, repetition, rows: PLAN.rows });
        ctx.log(
          `outbox ${variant.id} #${repetition}: ${outcome.records} rows, ${Math.round(outcome.recordsPerSecond)}/s`,
        );
        runs.push({ variant: variant.id, repetition, ...outcome });
      }
    }
  } finally {
    undo();
    await dataSource.destroy();
    await database.drop();
  }
  const relay = Object.fromEntries(variants.map((variant) => [variant.id, relayOptions(lib, variant.options)]));
  return { runs, relay };
}

// Only when the publish suite ran in the same run: figures of another run (or machine) are not comparable.
const ratios = (rate, rateOf) =>
  (Number.isFinite(rateOf('publish', 'publishAll')) ? variants : []).map((variant) => ({
    id: `${variant.id}ToPublishAll`,
    label: `${variant.short} / publishAll (publish suite)`,
    value: rate(variant.id) / rateOf('publish', 'publishAll'),
  }));

const describe = (results, section) =>
  `${section.plan.rows.toLocaleString('en-US')} pending new_user rows (distinct keys) ` +
  `in PostgreSQL, drained by the project's OutboxRelay into a fresh ${results.cluster.partitions}-partition ` +
  `topic; from the relay's start until every row is settled as sent.`;

export const outboxSuite = { id: 'outbox', title: 'Outbox relay', plan, variants, run, ratios, describe };
