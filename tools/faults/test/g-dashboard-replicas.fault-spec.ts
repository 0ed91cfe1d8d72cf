// Two dashboard replicas on one database and one consumer group: both answer the same stats, and a blue/green
// replay (npm run replay:dashboard, pointed at one of them) rebuilds the projections with both running, never
// shows an empty dashboard meanwhile, and ends with the same stats on both.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PlatformUnderTest, waitFor } from '@kafka-platform/testing';
import { created, signUpsAtRate } from './support/load';
import { delivered, liveGeneration } from './support/outcome';
import { recordFault, secondsSince } from './support/report';
import { BROKERS } from './support/stack-control';

const replayScript = join(__dirname, '../../../apps/dashboard-service/scripts/replay.mjs');

interface Stats {
  readonly totalUsers: number;
  readonly updatedAt: string;
}

describe('two dashboard replicas', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      instances: { 'dashboard-service': 2 },
      env: { KAFKA_BROKERS: BROKERS.join(','), LOG_LEVEL: 'warn' },
    });
  }, 180_000);
  afterAll(() => platform?.close(), 120_000);

  /** Each replica's stats, without the moment each read them. */
  const stats = () =>
    Promise.all(
      [0, 1].map(async (replica) => {
        const { updatedAt: _read, ...numbers } = await platform.json<Stats>('dashboard-service', '/api/stats', replica);
        return numbers;
      }),
    );

  it('g. answer identical stats, and a blue/green replay with both running ends with the same stats', async () => {
    const load = signUpsAtRate(platform, { count: 300, perSecond: 20, label: 'replicas' });
    const users = created(await load.done);
    expect(users).toHaveLength(300);
    const outcome = await delivered(platform, users);
    const [first, second] = await waitFor('both replicas to show every user', async () => {
      const both = await stats();
      return both.every((one) => one.totalUsers === 300) && both;
    });
    expect(second).toEqual(first);

    const generationBefore = await liveGeneration(platform);
    const replayStarted = Date.now();
    const replay = promisify(execFile)(process.execPath, [replayScript], {
      env: {
        ...process.env,
        DASHBOARD_URL: platform.instances('dashboard-service')[0]?.url,
        REPLAY_TIMEOUT_MS: '240000',
      },
      timeout: 300_000,
    });
    let polls = 0;
    let smallest = Number.POSITIVE_INFINITY;
    let finished = false;
    void replay.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      for (const one of await stats()) smallest = Math.min(smallest, one.totalUsers);
      polls += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { stdout } = await replay;
    const replaySeconds = secondsSince(replayStarted);

    expect(stdout).toContain('the rebuilt projection equals the live one: switched');
    expect(polls).toBeGreaterThan(3);
    expect(smallest).toBe(300);
    expect(await liveGeneration(platform)).not.toBe(generationBefore);
    const after = await waitFor('both replicas to show the rebuilt stats', async () => {
      const both = await stats();
      return JSON.stringify(both[0]) === JSON.stringify(both[1]) && both;
    });
    expect(after[0]).toEqual(first);
    recordFault({
      fault: 'g. two dashboard replicas, blue/green replay with both running',
      ...outcome,
      recoverySeconds: replaySeconds,
      notes: `identical stats on both replicas; never fewer than 300 users during the replay (${polls} polls); time is the replay's`,
    });
  });
});
