// Blue/green replay on the real stack with two replicas: a new projection generation is rebuilt from the start of
// the log by a rebuild group on both replicas, beside the live generation that keeps serving and counting, then
// switched to if it shows what the live one shows, refused otherwise (POST /api/replay and scripts/replay.mjs).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { authHeaders, uniqueName, waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import type { ConsumerGroupsView } from '../consumer-groups/consumer-groups.service';
import type { ReplayStarted, ReplayStatus } from './replay.service';
import type { Stats } from '../stats/stats';
import { startDashboardReplica, startTwoDashboards, withoutReadTime } from '../../test/test-support/dashboard-app';
import type { DashboardUnderTest } from '../../test/test-support/dashboard-app';
import { openEventStream } from '../../test/test-support/event-stream';

jest.setTimeout(90_000);

const script = join(__dirname, '..', '..', 'scripts', 'replay.mjs');
const USERS = 40;

describe('blue/green replay (real stack, two replicas)', () => {
  let a: DashboardUnderTest;
  let b: DashboardUnderTest;

  beforeAll(async () => {
    [a, b] = await startTwoDashboards();
    const users = Array.from({ length: USERS }, (_, index) => someone(index, ['en', 'de', 'fr'][index % 3] as string));
    await Promise.all(
      users.map((user, index) =>
        a.publish('new_user', user, { occurredAt: new Date(Date.UTC(2024, 4, 1 + (index % 3), 12, index)) }),
      ),
    );
    await a.publish('user_updated', { ...users[0], name: 'Renamed', locale: 'it' });
    await a.publish('user_deleted', { userId: users[1]?.userId });
    const settled = (s: Stats) =>
      s.created === USERS && s.deleted === 1 && s.usersPerLocale.some((l) => l.locale === 'it');
    await Promise.all([a.statsWhere('A settled', settled), b.statsWhere('B settled', settled)]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('rebuilds beside the live generation, never serves an empty dashboard, counts new events, and switches', async () => {
    const before = await a.get<Stats>('/api/stats');
    const stream = await openEventStream(`${a.url}/api/stream`);
    try {
      await stream.next('the initial stats', (f) => f.event === 'stats');
      const seen = stream.received.length;
      const started = await replay(a);
      expect(started).toEqual({ generation: 2, state: 'building', startedAt: expect.any(String) });

      // One replay at a time, whichever replica is asked.
      const again = await fetch(`${b.url}/api/replay`, { method: 'POST', headers: await authHeaders('ada') });
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ code: 'REPLAY_IN_PROGRESS' });

      // New signups while the rebuild runs: they count, in the live generation now and in the rebuilt one.
      const late = Array.from({ length: 3 }, (_, index) => someone(index, 'pt'));
      const oldDay = new Date('2020-01-01T12:00:00Z');
      await Promise.all(late.map((user) => a.publish('new_user', user, { occurredAt: oldDay })));
      expect((await status(a)).state).toBe('building');

      const served: Stats[] = [];
      const done = await waitFor(
        'the rebuilt generation to be switched to',
        async () => {
          served.push(await a.get<Stats>('/api/stats'), await b.get<Stats>('/api/stats'));
          const current = await status(b);
          return current.generation === started.generation && current.state !== 'building' && current;
        },
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      expect(done).toMatchObject({
        state: 'switched',
        generation: started.generation,
        liveGeneration: started.generation,
        switchedAt: expect.any(String),
        applied: USERS + 2 + late.length,
      });
      // Never an empty or shrunken dashboard on either replica while it ran.
      expect(served.length).toBeGreaterThan(10);
      expect(served.filter((s) => s.created < before.created || s.totalUsers < before.totalUsers)).toEqual([]);

      const expected = {
        ...withoutReadTime(before),
        totalUsers: before.totalUsers + 3,
        created: before.created + 3,
        signupsPerDay: [{ day: '2020-01-01', count: 3 }, ...before.signupsPerDay],
        usersPerLocale: [...before.usersPerLocale, { locale: 'pt', count: 3 }].sort(
          (x, y) => y.count - x.count || x.locale.localeCompare(y.locale),
        ),
      };
      const [fromA, fromB] = await Promise.all(
        [a, b].map((replica) => replica.statsWhere('the late signups', (s) => s.created === before.created + 3)),
      );
      expect(withoutReadTime(fromA as Stats)).toEqual(expected);
      expect(withoutReadTime(fromB as Stats)).toEqual(expected);
      // The live page hears of the switch with the whole stats.
      await stream.next('a stats frame after the switch', (f) => f.event === 'stats', seen);
    } finally {
      await stream.close();
    }
    // The live group kept the contract's name and is caught up; the rebuild group is gone once over.
    const groups = await waitFor('the rebuild group to be deleted', async () => {
      const view = await a.get<ConsumerGroupsView>('/api/consumer-groups');
      return view.groups.every((g) => !g.groupId.includes('.rebuild.')) && view;
    });
    expect(groups.groups.find((g) => g.groupId === `${a.namespace}.dashboard-service`)).toMatchObject({ totalLag: 0 });
    expect(await schemaExists(a, 'dashboard_g1')).toBe(false);
  });

  it('refuses a rebuilt generation whose stats differ, says where, and keeps serving the live one', async () => {
    const before = await a.get<Stats>('/api/stats');
    const { liveGeneration } = await status(a);
    const started = await replay(b);
    await corrupt(a, started.generation);

    const done = await waitFor(
      'the rebuild to end',
      async () => {
        const current = await status(a);
        return current.state !== 'building' && current;
      },
      { timeoutMs: 60_000 },
    );
    expect(done).toMatchObject({
      state: 'failed',
      generation: started.generation,
      liveGeneration,
      finishedAt: expect.any(String),
      failure: {
        code: 'REBUILD_DIFFERS',
        message: expect.stringContaining('deleted'),
        difference: [{ field: 'deleted', live: before.deleted, rebuilt: before.deleted + 1000 }],
      },
    });
    expect(withoutReadTime(await a.get<Stats>('/api/stats'))).toEqual(withoutReadTime(before));
    expect(withoutReadTime(await b.get<Stats>('/api/stats'))).toEqual(withoutReadTime(before));
    expect(await schemaExists(a, `dashboard_g${started.generation}`)).toBe(false);
  });

  it('scripts/replay.mjs drives a replay, prints its progress and exits 0 once switched', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, DASHBOARD_URL: b.url, REPLAY_TIMEOUT_MS: '60000' },
      timeout: 70_000,
    });
    expect(stdout).toMatch(/replay started: building generation \d+/);
    expect(stdout).toContain('the rebuilt projection equals the live one: switched');
  });

  it('scripts/replay.mjs exits 1 and prints the difference when the rebuilt projection differs', async () => {
    const { generation: previous } = await status(a);
    const run = promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, DASHBOARD_URL: a.url, REPLAY_TIMEOUT_MS: '60000' },
      timeout: 70_000,
    });
    const started = await waitFor('the script to start a replay', async () => {
      const current = await status(a);
      return current.generation > previous && current.state === 'building' && current;
    });
    await corrupt(a, started.generation);
    const failure = await run.then(
      () => undefined,
      (error: { code?: number; stdout?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/REFUSED \(REBUILD_DIFFERS\)/);
    expect(failure?.stdout).toMatch(/deleted rebuilt: \d+/);
  });

  // Last: it runs the rebuild with a third replica that goes away in the middle of it.
  it('finishes a rebuild when a replica leaves in the middle of it', async () => {
    const c = await startDashboardReplica(a);
    try {
      await c.ready();
      const before = await a.get<Stats>('/api/stats');
      const started = await replay(c);
      // The new generation's inbox is held from the start, so nothing is rebuilt until C has joined the rebuild
      // and gone: on a busy machine a small log is otherwise rebuilt before a third member has even joined.
      const hold = a.app.get(DataSource).createQueryRunner();
      await hold.connect();
      await hold.startTransaction();
      await hold.query(`LOCK TABLE dashboard_g${started.generation}.inbox IN SHARE MODE`);
      try {
        // C runs a member of the rebuild group (joined, or joining while the others hold their first batch).
        await waitFor('C to take part in the rebuild', () => rebuildMembers(c).then((groups) => groups.length > 0));
        // C goes while nothing of the rebuild can have finished; a batch it holds is abandoned at its deadline.
        await c.close();
      } finally {
        await hold.commitTransaction();
        await hold.release();
      }
      const done = await waitFor(
        'the rebuild to end without C',
        async () => {
          const current = await status(a);
          return current.generation === started.generation && current.state !== 'building' && current;
        },
        { timeoutMs: 60_000 },
      );
      expect(done.state).toBe('switched');
      expect(withoutReadTime(await a.get<Stats>('/api/stats'))).toEqual(withoutReadTime(before));
    } finally {
      await c.close();
    }
  });
});

function someone(index: number, locale: string) {
  return {
    userId: randomUUID(),
    email: `${uniqueName(`replay${index}`)}@example.com`,
    name: `Replay ${index}`,
    locale,
  };
}

async function replay(replica: DashboardUnderTest): Promise<ReplayStarted> {
  const response = await fetch(`${replica.url}/api/replay`, { method: 'POST', headers: await authHeaders('ada') });
  expect(response.status).toBe(202);
  return (await response.json()) as ReplayStarted;
}

const status = (replica: DashboardUnderTest) => replica.get<ReplayStatus>('/api/replay/status');

/**
 * Adds 1000 to the rebuilt generation's deleted count, as a bug would. Under the control table's lock, which a
 * switch waits for, and only while the generation is still being built: the test fails rather than corrupt a live one.
 */
async function corrupt(replica: DashboardUnderTest, generation: number): Promise<void> {
  await replica.app.get(DataSource).transaction(async (manager) => {
    await manager.query(`LOCK TABLE public.dashboard_generations IN ROW SHARE MODE`);
    const [row]: { state: string }[] = await manager.query(
      `SELECT state FROM public.dashboard_generations WHERE id = $1`,
      [generation],
    );
    expect(row?.state).toBe('building');
    await manager.query(
      `INSERT INTO dashboard_g${generation}.dashboard_counters AS c (name, value) VALUES ('deleted', 1000)
       ON CONFLICT (name) DO UPDATE SET value = c.value + 1000`,
    );
  });
}

async function schemaExists(replica: DashboardUnderTest, schema: string): Promise<boolean> {
  const [row]: { found: string | null }[] = await replica.app
    .get(DataSource)
    .query(`SELECT to_regnamespace($1)::text AS found`, [schema]);
  return row?.found !== null;
}

/** The rebuild groups this replica runs a member of, from its readiness details. */
async function rebuildMembers(replica: DashboardUnderTest): Promise<string[]> {
  const ready = (await (await fetch(`${replica.url}/health/ready`)).json()) as {
    details?: { consumer?: { groups?: Record<string, string> } };
  };
  return Object.entries(ready.details?.consumer?.groups ?? {})
    .filter(([groupId, state]) => groupId.includes('.rebuild.') && ['starting', 'running'].includes(state))
    .map(([groupId]) => groupId);
}
