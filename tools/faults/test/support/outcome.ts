// What became of a run of sign-ups, each number read by an independent reader: the SMTP sink's API for mail,
// SQL on the dashboard's database for projections, kcat for what reached Kafka.
import { mailsTo, sql, waitFor } from '@kafka-platform/testing';
import type { PlatformUnderTest } from '@kafka-platform/testing';
import { kcatCount, kcatRecords } from './kcat';

export interface Outcome {
  /** Users that got a 201. */
  readonly sent: number;
  /** Users with a welcome mail and a dashboard row. */
  readonly delivered: number;
  readonly mailed: number;
  readonly onDashboard: number;
  /** Distinct welcome mails (by Message-ID) beyond one per user: what a mailbox shows twice. */
  readonly duplicates: number;
  /**
   * Copies of a mail with the same Message-ID: SMTP accepted it, then its sender died before recording that. SMTP
   * has no idempotency key, so this is the one way a kill -9 of the email-service can double a send; a mailbox
   * that collapses copies by Message-ID (as Gmail does) shows one.
   */
  readonly resent: number;
  /** Records in the groups' dead-letter topics. */
  readonly deadLettered: number;
}

interface User {
  readonly email: string;
  readonly userId: string;
}

/** The schema of the dashboard's live projection generation (dashboard_gN; a replay builds the next one). */
export async function liveGeneration(platform: PlatformUnderTest): Promise<string> {
  const [live] = await sql<{ schema_name: string }>(
    platform.databases['dashboard-service'].url,
    `SELECT schema_name FROM public.dashboard_generations WHERE state = 'live'`,
  );
  if (!live || !/^dashboard_g\d+$/.test(live.schema_name)) throw new Error('the dashboard has no live generation');
  return live.schema_name;
}

/** The users the dashboard shows as signed up (and not deleted), read with SQL from its live generation. */
async function dashboardRows(platform: PlatformUnderTest, ids: readonly string[]): Promise<Set<string>> {
  const schema = await liveGeneration(platform);
  const rows = await sql<{ user_id: string }>(
    platform.databases['dashboard-service'].url,
    `SELECT user_id FROM ${schema}.dashboard_users WHERE created_at IS NOT NULL AND user_id = ANY($1)`,
    [ids],
  );
  return new Set(rows.map((row) => row.user_id));
}

export async function outcomeOf(platform: PlatformUnderTest, users: readonly User[]): Promise<Outcome> {
  const [mails, rows, dlqs] = await Promise.all([
    mailsTo(users.map((user) => user.email)),
    dashboardRows(
      platform,
      users.map((user) => user.userId),
    ),
    Promise.all([
      kcatCount(platform.deadLetterTopic('email-service')),
      kcatCount(platform.deadLetterTopic('dashboard-service')),
    ]),
  ]);
  const mailedTo = new Set(mails.map((mail) => mail.to));
  const distinct = new Set(mails.map((mail) => `${mail.to} ${mail.messageId}`)).size;
  return {
    sent: users.length,
    delivered: users.filter((user) => mailedTo.has(user.email.toLowerCase()) && rows.has(user.userId)).length,
    mailed: mailedTo.size,
    onDashboard: rows.size,
    duplicates: distinct - mailedTo.size,
    resent: mails.length - distinct,
    deadLettered: dlqs[0] + dlqs[1],
  };
}

/**
 * Waits until every user has a mail and a dashboard row; returns the outcome then. When that never happens, the
 * error says how far it got and what the services say of themselves (outbox, readiness, last log lines).
 */
export async function delivered(
  platform: PlatformUnderTest,
  users: readonly User[],
  timeoutMs = 180_000,
): Promise<Outcome> {
  let last: Outcome | undefined;
  try {
    return await waitFor(
      `${users.length} users mailed and on the dashboard`,
      async () => {
        last = await outcomeOf(platform, users);
        return last.delivered === users.length && last;
      },
      { timeoutMs, intervalMs: 1000 },
    );
  } catch (error) {
    const missing = await undelivered(platform, users);
    throw new Error(
      `${(error as Error).message}\nlast outcome: ${JSON.stringify(last)}\nundelivered: ${JSON.stringify(missing)}\n${await diagnosis(platform)}`,
    );
  }
}

/** Where the undelivered users' events are: on the topic (partition, offset) or not, mailed, on the dashboard. */
async function undelivered(platform: PlatformUnderTest, users: readonly User[]) {
  const [mails, rows, records] = await Promise.all([
    mailsTo(users.map((user) => user.email)),
    dashboardRows(
      platform,
      users.map((user) => user.userId),
    ),
    kcatRecords(platform.topic),
  ]);
  const mailed = new Set(mails.map((mail) => mail.to));
  return users
    .filter((user) => !mailed.has(user.email.toLowerCase()) || !rows.has(user.userId))
    .slice(0, 5)
    .map((user) => ({
      ...user,
      mailed: mailed.has(user.email.toLowerCase()),
      onDashboard: rows.has(user.userId),
      onTopic: records
        .filter((record) => record.key === user.userId)
        .map((record) => `${record.headers['event-type']}@${record.partition}/${record.offset}`),
    }));
}

/** What the platform says of itself: the outbox by state, each service's readiness, its last log lines. */
async function diagnosis(platform: PlatformUnderTest): Promise<string> {
  const outbox = await sql<{ state: string; count: number; error: string | null }>(
    platform.databases['user-service'].url,
    `SELECT state, count(*)::int AS count, max(last_error) AS error FROM outbox GROUP BY state`,
  ).catch((error: Error) => error.message);
  const services = await Promise.all(
    (['user-service', 'email-service', 'dashboard-service'] as const).flatMap((name) =>
      platform.instances(name).map(async (service) => {
        const ready = await fetch(`${service.url}/health/ready`)
          .then(async (response) => `${response.status} ${await response.text()}`)
          .catch((error: Error) => error.message);
        return `--- ${name} (pid ${service.pid}) ready: ${ready}\n${service.logs().slice(-3000)}`;
      }),
    ),
  );
  return [`outbox: ${JSON.stringify(outbox)}`, ...services].join('\n');
}

/** The user ids whose new_user record is on the platform's topic (read by kcat). */
export async function publishedNewUsers(platform: PlatformUnderTest): Promise<Set<string>> {
  const records = await kcatRecords(platform.topic);
  return new Set(records.filter((record) => record.headers['event-type'] === 'new_user').map((record) => record.key));
}
