// Exactly once, proven against kill -9: the processor dies inside a transaction (results and state sent, offsets
// not yet committed), restarts, and an independent reader recounts every window from the raw topic. With
// SIGNUP_ANALYTICS_DELIVERY=at-least-once the same kill counts a batch twice, which shows the check can fail.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import {
  catalogContract,
  catalogTopicSpecs,
  createAvroCodec,
  createKafkaClient,
  ensureTopics,
  loadKafkaConfig,
  newEnvelope,
  toHeaders,
} from '@kafka-platform/kafka';
import {
  deleteNamespaceSubjects,
  deleteNamespaceTopics,
  readTopic,
  stackEndpoints,
  testNamespace,
  waitFor,
  type TopicRecord,
} from '@kafka-platform/testing';
import { ProcessorProcess } from '../test/test-support/processor-process';

const SIGNUPS = 900;
const SEND_SIZE = 30;
const MINUTES = 10;
const LOCALES = ['en', 'de', 'fr'] as const;
const T0 = Date.UTC(2030, 0, 1, 9, 0);
const endpoints = stackEndpoints();

interface Run {
  readonly namespace: string;
  readonly env: NodeJS.ProcessEnv;
}

function newRun(delivery: 'exactly-once' | 'at-least-once'): Run {
  const namespace = testNamespace('eos');
  return {
    namespace,
    env: {
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      KAFKA_NAMESPACE: namespace,
      SIGNUP_ANALYTICS_DELIVERY: delivery,
      SIGNUP_ANALYTICS_DOMAINS: 'example.com',
      SIGNUP_ANALYTICS_GRACE: '1m',
      // Long enough for the test to see the open transaction and kill the process inside it.
      SIGNUP_ANALYTICS_HOLD_BEFORE_COMMIT: '300ms',
      // Small fetches: many batches, so many transactions to kill one of.
      SIGNUP_ANALYTICS_MAX_BATCH_BYTES: '4096',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // Any free port: runs of this suite (and other worktrees' runs) on one machine never collide.
      MANAGEMENT_PORT: '0',
    },
  };
}

/** Creates the namespace's topics and publishes SIGNUPS new_user events over MINUTES minutes of event time. */
async function publishSignups({ namespace, env }: Run): Promise<void> {
  const config = loadKafkaConfig(env, 'eos-test');
  const admin = (await createKafkaClient(config)).admin();
  await admin.connect();
  await ensureTopics(admin, catalogTopicSpecs(config.topics, await admin.brokerCount()));
  await admin.disconnect();
  const contract = catalogContract(namespace);
  const codec = createAvroCodec(config.schemaRegistry, contract);
  // Idempotent: a retried send must not add records the recount would count (one run counted 915 of 900).
  const producer = new Kafka({ brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const messages = await Promise.all(
    Array.from({ length: SIGNUPS }, async (_, i) => {
      const userId = crypto.randomUUID();
      const payload = {
        userId,
        email: `u${i}@${i % 5 === 0 ? 'example.com' : 'other.org'}`,
        name: `U ${i}`,
        locale: LOCALES[i % LOCALES.length],
      };
      const occurredAt = new Date(T0 + Math.floor((i * MINUTES * 60_000) / SIGNUPS));
      const envelope = newEnvelope('new_user', 2, userId, payload, { occurredAt });
      return { key: userId, value: await codec.encode('new_user', 2, payload), headers: toHeaders(envelope) };
    }),
  );
  // In sends of SEND_SIZE, as live traffic arrives: many small record batches per partition, so reading one
  // takes many fetches (a single send made one batch, which one fetch returns whole).
  for (let i = 0; i < messages.length; i += SEND_SIZE) {
    await producer.send({ topic: contract.topicOf('new_user'), messages: messages.slice(i, i + SEND_SIZE), acks: -1 });
  }
  await producer.disconnect();
}

/** Reads a topic (read_committed, kafkajs' default) until nothing new arrives for two seconds. */
function readQuiet(topic: string): Promise<TopicRecord[]> {
  let seen = -1;
  let since = Date.now();
  return readTopic(
    topic,
    (records) => {
      if (records.length !== seen) [seen, since] = [records.length, Date.now()];
      return records.length > 0 && Date.now() - since > 2_000;
    },
    { timeoutMs: 60_000 },
  );
}

/** The independent recount: windows of the raw topic's new_user events, by occurred-at header and locale. */
async function recount(topic: string): Promise<Map<string, number>> {
  const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
  const counts = new Map<string, number>();
  for (const record of await readQuiet(topic)) {
    const { locale } = (await registry.decode(record.value as Buffer)) as { locale: string };
    const time = Date.parse(String(record.headers['occurred-at']));
    const key = `${new Date(time - (time % 60_000)).toISOString()}|${locale}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The derived topic's latest count per key: what compaction keeps. */
async function derived(topic: string): Promise<Map<string, number>> {
  const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
  const latest = new Map<string, number>();
  for (const record of await readQuiet(topic)) {
    latest.set(
      String(record.key),
      Number(((await registry.decode(record.value as Buffer)) as { count: number }).count),
    );
  }
  return latest;
}

/** Publishes, runs the processor with `kills` kill -9s inside transactions, lets a last instance finish. */
async function runWithKills(
  run: Run,
  kills = 2,
): Promise<{ expected: Map<string, number>; actual: Map<string, number>; health: number; metrics: string }> {
  await publishSignups(run);
  for (let kill = 0; kill < kills; kill++) await new ProcessorProcess(run.env).killInsideTransaction(2 + kill);
  const last = new ProcessorProcess(run.env);
  const contract = catalogContract(run.namespace);
  let management: [{ status: number }, { body: string }];
  try {
    await waitForConsumed(`${run.namespace}.signup-analytics`, contract.topicOf('new_user')).catch((error: Error) => {
      throw new Error(`${error.message}\nthe last instance's log:\n${last.tail()}`);
    });
    management = await Promise.all([last.get('/health'), last.get('/metrics')]);
  } finally {
    await last.stop();
  }
  return {
    health: management[0].status,
    metrics: management[1].body,
    expected: await recount(contract.topicOf('new_user')),
    actual: await derived(contract.topicOf('signups_per_minute')),
  };
}

async function waitForConsumed(group: string, topic: string): Promise<void> {
  const admin = new Kafka({ brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await waitFor(
      `group ${group} to commit the end of ${topic}`,
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return ends.every(({ partition, high }) =>
          committed?.partitions.some((p) => p.partition === partition && Number(p.offset) >= Number(high)),
        );
      },
      // Two dead members' sessions to expire and two rebalances before the last instance reads to the end.
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  } finally {
    await admin.disconnect();
  }
}

const difference = (expected: Map<string, number>, actual: Map<string, number>) =>
  [...new Set([...expected.keys(), ...actual.keys()])]
    .filter((key) => expected.get(key) !== actual.get(key))
    .map((key) => ({ key, expected: expected.get(key), actual: actual.get(key) }));

describe('signup-analytics under kill -9 (real single-broker stack)', () => {
  const namespaces: string[] = [];
  afterAll(async () => {
    for (const namespace of namespaces) {
      await deleteNamespaceTopics(namespace);
      await deleteNamespaceSubjects(namespace);
    }
  });

  it('one instance, no kill: reads every partition to its end across many fetches (it re-read its first fetch forever)', async () => {
    const run = newRun('exactly-once');
    namespaces.push(run.namespace);
    const { expected, actual, health } = await runWithKills(run, 0);

    expect([...expected.values()].reduce((a, b) => a + b)).toBe(SIGNUPS);
    expect(difference(expected, actual)).toEqual([]);
    expect(health).toBe(200);
  }, 300_000);

  it('exactly-once: every window equals the recount from the raw topic, none missing, none doubled', async () => {
    const run = newRun('exactly-once');
    namespaces.push(run.namespace);
    const { expected, actual, health, metrics } = await runWithKills(run);

    expect(expected.size).toBe(MINUTES * LOCALES.length);
    expect([...expected.values()].reduce((a, b) => a + b)).toBe(SIGNUPS);
    expect(difference(expected, actual)).toEqual([]);
    // The last instance, on its management port: running, and its transactions counted.
    expect(health).toBe(200);
    // Every series carries service="signup-analytics", as the services' do (the alert rules group by it).
    expect(metrics).toMatch(
      /^signup_analytics_transactions_total\{outcome="committed",service="signup-analytics"\} [1-9]\d*$/m,
    );
    expect(metrics).toMatch(/^signup_analytics_records_processed_total\{service="signup-analytics"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^signup_analytics_windows_open\{service="signup-analytics"\} \d+$/m);
    expect(metrics).toMatch(/^signup_analytics_running\{service="signup-analytics"\} 1$/m);
  }, 300_000);

  it('at-least-once (offsets committed after the sends): the same kills count batches twice', async () => {
    const run = newRun('at-least-once');
    namespaces.push(run.namespace);
    const { expected, actual } = await runWithKills(run);

    const doubled = difference(expected, actual).filter(({ expected: e, actual: a }) => (a ?? 0) > (e ?? 0));
    expect(doubled.length).toBeGreaterThan(0);
  }, 300_000);
});
