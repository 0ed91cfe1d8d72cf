// Faults under the running platform (three service processes, three brokers), one after the other on the same
// platform: it must come out of each one by itself, without a restart, before the next begins. Every number is
// read by an independent reader (the mail sink's API, SQL, kcat).
import { PlatformUnderTest, sql, waitFor } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import { kcatCount } from './support/kcat';
import { created, signUpsAtRate, statusCounts } from './support/load';
import { delivered, publishedNewUsers } from './support/outcome';
import { recordFault, secondsSince } from './support/report';
import {
  BROKERS,
  killBroker,
  restartPostgres,
  restartStack,
  signalStackProcess,
  stack,
  stackPids,
} from './support/stack-control';

/** The fault is held this long on purpose (it is what is being survived), not a wait for a condition. */
const faultLasts = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('faults under the running platform (three brokers)', () => {
  let platform: PlatformUnderTest;
  const ready = async (url: string) => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status ?? 0;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ env: { KAFKA_BROKERS: BROKERS.join(','), LOG_LEVEL: 'warn' } });
  }, 180_000);
  afterAll(async () => {
    await restartStack(); // whatever failed, leave the stack whole for the next file
    await platform?.close();
  }, 240_000);

  /** The broker that leads most partitions of the platform's topic. */
  async function busiestLeader(): Promise<number> {
    const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [platform.topic] });
      const counts = new Map<number, number>();
      for (const { leader } of topics[0]?.partitions ?? []) counts.set(leader, (counts.get(leader) ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as number;
    } finally {
      await admin.disconnect();
    }
  }

  const deadLetters = async () =>
    (await kcatCount(platform.deadLetterTopic('email-service'))) +
    (await kcatCount(platform.deadLetterTopic('dashboard-service')));

  it('a. the broker leading most user-events partitions is killed (kill -9) during 1,000 sign-ups: nothing lost, nobody mailed twice', async () => {
    const leader = await busiestLeader();
    const load = signUpsAtRate(platform, { count: 1000, perSecond: 50, label: 'broker-killed' });
    await waitFor('the burst to be half way', () => load.answered() >= 500, { timeoutMs: 60_000 });
    const killedAt = Date.now();
    await killBroker(leader);
    const results = await load.done;
    await restartStack();

    const users = created(results);
    expect(statusCounts(results)).toEqual({ 201: 1000 });
    const outcome = await delivered(platform, users);
    const recovery = secondsSince(killedAt);
    expect(outcome).toMatchObject({ sent: 1000, delivered: 1000, duplicates: 0, resent: 0, deadLettered: 0 });
    const published = await publishedNewUsers(platform);
    expect(users.filter((user) => !published.has(user.userId))).toEqual([]);
    recordFault({
      fault: `a. broker ${leader} (leading most partitions) killed mid-burst`,
      ...outcome,
      recoverySeconds: recovery,
      notes: `1,000 sign-ups at 50/s, all 201; counted from the kill`,
    });
  });

  it('c. the SMTP sink is down for 60 s during sign-ups: readiness shows it, nothing is dead-lettered, every mail goes out after', async () => {
    const email = platform.services['email-service'];
    const load = signUpsAtRate(platform, { count: 300, perSecond: 10, label: 'smtp-down' });
    await waitFor('sign-ups under way', () => load.answered() >= 30, { timeoutMs: 30_000 });
    await stack('down', 'mail');
    const blockedBy = await waitFor('the email-service to say it waits for SMTP', async () => {
      const response = await fetch(`${email.url}/health/ready`);
      const body = (await response.json()) as { error?: { consumer?: { blockedBy?: string[] } } };
      return response.status === 503 && body.error?.consumer?.blockedBy;
    });
    expect(blockedBy).toEqual(['smtp']);
    await faultLasts(60_000);
    await stack('up', 'mail');
    const backAt = Date.now();

    const users = created(await load.done);
    expect(users).toHaveLength(300);
    const outcome = await delivered(platform, users);
    expect(outcome).toMatchObject({ delivered: 300, duplicates: 0, resent: 0, deadLettered: 0 });
    await waitFor('the email-service to be ready again', async () => (await ready(email.url)) === 200);
    recordFault({
      fault: 'c. SMTP sink down 60 s during sign-ups',
      ...outcome,
      recoverySeconds: secondsSince(backAt),
      notes: 'readiness 503 "blockedBy": ["smtp"] during the outage; counted from the sink back',
    });
  });

  it('d. PostgreSQL restarts during sign-ups: 503 with a JSON body (never a 500, never a hang), every service recovers by itself, nothing lost', async () => {
    const before = Object.values(platform.services).map((service) => service.pid);
    const load = signUpsAtRate(platform, { count: 400, perSecond: 20, label: 'pg-restart' });
    await waitFor('sign-ups under way', () => load.answered() >= 60, { timeoutMs: 30_000 });
    await restartPostgres();
    const backAt = Date.now();
    const results = await load.done;

    const counts = statusCounts(results);
    expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['201']));
    const unexpected = results.filter((result) => ![201, 503].includes(result.status));
    expect({
      unexpected: unexpected.map((result) => ({ status: result.status, body: result.body })),
      log: unexpected.length > 0 ? platform.services['user-service'].errorLogs() : '',
    }).toEqual({ unexpected: [], log: '' });
    for (const refused of results.filter((result) => result.status === 503)) {
      expect(refused.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
      expect(refused.retryAfter).toBe('5');
    }
    const users = created(results);
    const outcome = await delivered(platform, users);
    expect(outcome).toMatchObject({ delivered: users.length, duplicates: 0, resent: 0, deadLettered: 0 });
    for (const service of Object.values(platform.services)) {
      await waitFor(`${service.name} to be ready without a restart`, async () => (await ready(service.url)) === 200);
    }
    expect(Object.values(platform.services).map((service) => service.pid)).toEqual(before);

    // The relay's LISTEN came back: a new row is published at once, not at the next 1 s poll.
    const wakeUps: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { id } = await platform.createUser({
        email: `after-restart-${Date.now()}-${i}@example.com`,
        name: 'After',
      });
      const sentAt = Date.now();
      await waitFor(
        'the row to be published',
        async () => {
          const [row] = await sql<{ state: string }>(
            platform.databases['user-service'].url,
            `SELECT state FROM outbox WHERE key = $1`,
            [id],
          );
          return row?.state === 'sent';
        },
        { intervalMs: 5 },
      );
      wakeUps.push(Date.now() - sentAt);
    }
    const median = [...wakeUps].sort((a, b) => a - b)[5] as number;
    expect(median).toBeLessThan(400);
    recordFault({
      fault: 'd. PostgreSQL restarted during sign-ups',
      ...outcome,
      recoverySeconds: secondsSince(backAt),
      notes: `${counts[201] ?? 0}x 201, ${counts[503] ?? 0}x 503 DEPENDENCY_UNAVAILABLE + Retry-After, no 500; outbox wake-up after it p50 ${median} ms`,
    });
  });

  it('e. the schema registry is down for 30 s: nothing lost, nothing dead-lettered', async () => {
    const load = signUpsAtRate(platform, { count: 200, perSecond: 10, label: 'registry-down' });
    await waitFor('sign-ups under way', () => load.answered() >= 20, { timeoutMs: 30_000 });
    await stack('down', 'registry');
    await faultLasts(30_000);
    await stack('up', 'registry');
    const backAt = Date.now();

    const users = created(await load.done);
    expect(users).toHaveLength(200);
    const outcome = await delivered(platform, users);
    expect(outcome).toMatchObject({ delivered: 200, duplicates: 0, resent: 0, deadLettered: 0 });
    recordFault({
      fault: 'e. schema registry down 30 s',
      ...outcome,
      recoverySeconds: secondsSince(backAt),
      notes: 'ids already resolved are cached; counted from the registry back',
    });
  });

  it('f. every broker is down for 60 s: the user-service stays ready and answers 201, the outbox drains afterwards, nothing lost', async () => {
    const users = platform.services['user-service'];
    const load = signUpsAtRate(platform, { count: 300, perSecond: 10, label: 'kafka-down' });
    await waitFor('sign-ups under way', () => load.answered() >= 20, { timeoutMs: 30_000 });
    for (const node of ['kafka-1', 'kafka-2', 'kafka-3']) await signalStackProcess(node, 'SIGKILL');
    expect(Object.keys(await stackPids()).filter((name) => name.startsWith('kafka'))).toEqual([]);
    await waitFor('sign-ups during the outage', () => load.answered() >= 200, { timeoutMs: 60_000 });
    expect(await ready(users.url)).toBe(200);
    await faultLasts(40_000);
    await restartStack();
    const backAt = Date.now();
    // Consumers come back by themselves within seconds of the brokers (kafkajs' own backoff would be up to 30 s):
    // what remains is the group coordinator dropping the members it remembers from before the outage, which takes
    // the session timeout (10 s), since kafkajs has neither static membership (KIP-345) nor KIP-848.
    await waitFor(
      'both consumers to run again',
      async () =>
        (await ready(platform.services['email-service'].url)) === 200 &&
        (await ready(platform.services['dashboard-service'].url)) === 200,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const resumedAfter = secondsSince(backAt);
    expect(resumedAfter).toBeLessThan(15);

    const results = await load.done;
    expect(statusCounts(results)).toEqual({ 201: 300 });
    const outcome = await delivered(platform, created(results));
    expect(outcome).toMatchObject({ delivered: 300, duplicates: 0, resent: 0, deadLettered: 0 });
    expect(await deadLetters()).toBe(0);
    recordFault({
      fault: 'f. every broker down (kill -9) for 60 s',
      ...outcome,
      recoverySeconds: secondsSince(backAt),
      notes: `user-service ready and 201 throughout; consumers running ${resumedAfter} s after the brokers; counted from the brokers back`,
    });
  });
});
