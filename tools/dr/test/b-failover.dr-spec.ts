// The failover drill: sign-ups flow through the three services on the primary; the primary Kafka is stopped
// mid-way; the services are stopped, `npm run dr -- failover` makes the groups' offsets on the DR cluster
// the translated ones and replays the outbox rows the primary may have taken without MirrorMaker copying them;
// the services start again against the DR cluster, keeping their databases. Every user must end with exactly one
// welcome mail: what replication lost comes back from the outbox, and what the consumers read twice (offsets
// translated conservatively, replayed rows that had made it) is dropped by their inboxes. Numbers are read by
// independent readers: the SMTP sink's API, SQL, a kafkajs admin of this test's own.
import { mailsTo, PlatformUnderTest, sql, waitFor } from '@kafka-platform/testing';
import type { Admin } from 'kafkajs';
import {
  adminOf,
  committedOffsets,
  forgetNamespace,
  DR_BROKERS,
  endOffsets,
  PRIMARY_BROKERS,
} from './support/clusters';
import { dashboardUsers, failover, restoreMirror, restorePrimary, signUpsAtRate, stopPrimary } from './support/drill';

const USERS = 200;
const PER_SECOND = 20;
// MM2 lags the primary by about a second (`npm run dr -- status` shows it); the replay window covers the time
// since the primary was lost plus that, with room to spare.
const REPLAY_MARGIN_SECONDS = 10;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

describe('failover drill: primary lost mid-sign-ups, the platform moves to the DR cluster', () => {
  let platform: PlatformUnderTest;
  let dr: Admin;
  let primaryStopped = false;

  beforeAll(async () => {
    // A dr_ namespace: the one MirrorMaker copies besides the bare topic (tools/local-stack/lib/settings.mjs).
    platform = await PlatformUnderTest.start({
      namespacePrefix: 'dr',
      env: { KAFKA_BROKERS: PRIMARY_BROKERS.join(','), LOG_LEVEL: 'warn' },
    });
    dr = adminOf(DR_BROKERS);
    await dr.connect();
  }, 180_000);

  afterAll(async () => {
    // Whatever happened, the services stop and the shared stack gets its primary and MirrorMaker back.
    try {
      await platform?.close();
    } finally {
      if (primaryStopped) await restorePrimary();
      await dr?.disconnect();
      if (platform) await forgetNamespace(platform.namespace);
      await restoreMirror();
    }
  }, 300_000);

  it(`${USERS} sign-ups, primary stopped half-way: every user gets exactly one welcome mail from the DR cluster`, async () => {
    const load = signUpsAtRate(platform, USERS, PER_SECOND);
    await waitFor('half of the sign-ups answered', () => load.answered() >= USERS / 2, { timeoutMs: 60_000 });
    const lostAt = Date.now();
    primaryStopped = true;
    await stopPrimary();
    const results = await load.done;
    // The user-service answers from its own database while Kafka is gone: the outbox holds what it owes.
    expect(results.filter((result) => result.status !== 201)).toEqual([]);
    const users = results.map((result) => ({ email: result.email, userId: result.userId as string }));
    await platform.stopAll();
    const userDb = platform.databases['user-service'].url;
    const emailDb = platform.databases['email-service'].url;
    const [{ pending }] = (await sql<{ pending: number }>(
      userDb,
      `SELECT count(*)::int AS pending FROM outbox WHERE state = 'pending'`,
    )) as [{ pending: number }];

    const window = Math.ceil((Date.now() - lostAt) / 1000) + REPLAY_MARGIN_SECONDS;
    const result = await failover(['--replay-outbox', String(window)], { OUTBOX_DATABASE_URL: userDb });
    const [{ at: failedOverAt }] = (await sql<{ at: Date }>(emailDb, 'SELECT now() AS at')) as [{ at: Date }];
    const emailGroup = platform.group('email-service');
    const starts = result.offsets.filter((row) => row.group === emailGroup && row.topic === platform.topic);
    expect(result.mirrorStopped).toBe(true);
    expect(starts).toHaveLength(6);

    await platform.restartAll({ KAFKA_BROKERS: DR_BROKERS.join(','), KAFKA_CLUSTER_REBIND: 'true' });

    const addresses = users.map((user) => user.email);
    await waitFor(
      `a welcome mail for each of the ${USERS} users`,
      async () => new Set((await mailsTo(addresses)).map((mail) => mail.to)).size === USERS,
      { timeoutMs: 180_000, intervalMs: 1000 },
    );
    // The email-service has read the DR topic to its end: nothing more can arrive.
    const ends = await waitFor(
      'the email-service to have read the DR topic to its end',
      async () => {
        const [end, committed] = await Promise.all([
          endOffsets(dr, platform.topic),
          committedOffsets(dr, emailGroup, platform.topic),
        ]);
        return JSON.stringify(end) === JSON.stringify(committed) && end;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const mails = await mailsTo(addresses);
    const perUser = new Map<string, number>();
    for (const mail of mails) perUser.set(mail.to, (perUser.get(mail.to) ?? 0) + 1);
    const [{ handled }] = (await sql<{ handled: number }>(
      emailDb,
      'SELECT count(*)::int AS handled FROM inbox WHERE handled_at > $1',
      [failedOverAt],
    )) as [{ handled: number }];
    const [{ inbox }] = (await sql<{ inbox: number }>(emailDb, 'SELECT count(*)::int AS inbox FROM inbox')) as [
      { inbox: number },
    ];
    const consumedOnDr = sum(ends) - sum(starts.map((row) => row.start));
    const outcome = {
      users: USERS,
      mailed: perUser.size,
      missing: users.filter((user) => !perUser.has(user.email.toLowerCase())).length,
      duplicates: mails.length - perUser.size,
      inbox,
      onDashboard: await waitFor('every user on the dashboard', async () => {
        const n = await dashboardUsers(
          platform,
          users.map((user) => user.userId),
        );
        return n === USERS && n;
      }),
    };
    console.log(
      JSON.stringify({
        ...outcome,
        pendingInOutboxAtFailover: pending,
        replayedFromOutbox: result.replayed,
        consumedOnDr,
        newOnDr: handled,
        duplicatesAbsorbedByInbox: consumedOnDr - handled,
      }),
    );
    expect(outcome).toEqual({
      users: USERS,
      mailed: USERS,
      missing: 0,
      duplicates: 0,
      inbox: USERS,
      onDashboard: USERS,
    });
    // Sign-ups during the outage waited in the outbox, and the consumers read some events twice on the DR cluster.
    expect(pending).toBeGreaterThan(0);
    // The rows sent just before the primary went are published again on the DR cluster.
    expect(result.replayed).toBeGreaterThan(0);
    expect(consumedOnDr - handled).toBeGreaterThan(0);
    expect(handled).toBeGreaterThan(0);
  });
});
