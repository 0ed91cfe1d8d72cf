// Replay on the real stack: the dashboard group's offsets go back to the start of the log, the read model is
// emptied, and the consumer rebuilds exactly the projection it had (POST /api/replay and scripts/replay.mjs).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import type { ReplayStarted, ReplayStatus } from '../src/replay/replay.service';
import type { Stats } from '../src/stats/stats';
import { startDashboard } from './test-support/dashboard-app';
import type { DashboardUnderTest } from './test-support/dashboard-app';
import { openEventStream } from './test-support/event-stream';

jest.setTimeout(60_000);

const projection = ({ updatedAt: _at, ...rest }: Stats) => rest;

describe('replay (real stack)', () => {
  let dashboard: DashboardUnderTest;
  let settled: Stats;

  beforeAll(async () => {
    dashboard = await startDashboard();
    const users = Array.from({ length: 8 }, (_, index) => ({
      userId: randomUUID(),
      email: `${uniqueName(`replay${index}`)}@example.com`,
      name: `Replay ${index}`,
      locale: ['en', 'de', 'fr'][index % 3] as string,
    }));
    for (const [index, user] of users.entries()) {
      await dashboard.publish('new_user', user, { occurredAt: new Date(Date.UTC(2024, 4, 1 + (index % 3), 12)) });
    }
    await dashboard.publish('user_updated', { ...users[0], name: 'Renamed', locale: 'it' });
    await dashboard.publish('user_deleted', { userId: users[1]?.userId });
    settled = await dashboard.statsWhere('the initial events', (s) => s.created === 8 && s.deleted === 1);
    await waitFor('the rename', async () => {
      const stats = await dashboard.get<Stats>('/api/stats');
      return stats.usersPerLocale.some((l) => l.locale === 'it') ? (settled = stats) : undefined;
    });
  });
  afterAll(() => dashboard?.close());

  it('rebuilds the same stats after POST /api/replay, and tells when the rebuild is done', async () => {
    const stream = await openEventStream(`${dashboard.url}/api/stream`);
    try {
      await stream.next('the initial stats', (f) => f.event === 'stats');
      const seen = stream.received.length;

      const response = await fetch(`${dashboard.url}/api/replay`, { method: 'POST' });
      expect(response.status).toBe(202);
      const started = (await response.json()) as ReplayStarted;
      expect(started.replayId).toEqual(expect.any(String));
      expect(projection(started.before)).toEqual(projection(settled));

      // The live page hears about the rebuild.
      await stream.next('a stats frame after the replay', (f) => f.event === 'stats', seen);

      const done = await waitFor('the rebuild to finish', async () => {
        const status = await dashboard.get<ReplayStatus>('/api/replay/status');
        return status.state === 'idle' ? status : undefined;
      });
      expect(done).toMatchObject({ state: 'idle', lag: 0, replayId: started.replayId, finishedAt: expect.any(String) });

      const rebuilt = await dashboard.statsWhere('the rebuilt stats', (s) => s.created === 8 && s.deleted === 1);
      expect(projection(rebuilt)).toEqual(projection(settled));
      // Every event was applied again (not skipped as a duplicate): each one was announced live.
      await stream.next('a handled frame from the rebuild', (f) => f.event === 'handled', seen);
    } finally {
      await stream.close();
    }
  });

  it('scripts/replay.mjs replays and exits 0 when the rebuilt projection equals the one before', async () => {
    const script = join(__dirname, '..', 'scripts', 'replay.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [script], {
      env: { ...process.env, DASHBOARD_URL: dashboard.url, REPLAY_TIMEOUT_MS: '45000' },
      timeout: 55_000,
    });
    expect(stdout).toContain('rebuilt projection equals the one before the replay');
    expect(stdout).toMatch(/before: +users 7, created 8, deleted 1/);
    expect(stdout).toMatch(/after: +users 7, created 8, deleted 1/);
    expect(projection(await dashboard.get<Stats>('/api/stats'))).toEqual(projection(settled));
  });
});
