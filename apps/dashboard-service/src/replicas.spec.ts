// Two replicas of the dashboard-service on one database and one namespace, as KEDA runs them: the consumer group
// splits the partitions between them, yet each answers the same stats and streams every partition's events.
import { randomUUID } from 'node:crypto';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import type { Stats } from './stats/stats';
import { startTwoDashboards, withoutReadTime } from '../test/test-support/dashboard-app';
import type { DashboardUnderTest } from '../test/test-support/dashboard-app';
import { openEventStream } from '../test/test-support/event-stream';

jest.setTimeout(60_000);

describe('several dashboard replicas (real stack)', () => {
  let a: DashboardUnderTest;
  let b: DashboardUnderTest;

  beforeAll(async () => {
    [a, b] = await startTwoDashboards();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const newUser = (index: number) => ({
    userId: randomUUID(),
    email: `${uniqueName(`replica${index}`)}@example.com`,
    name: `Replica ${index}`,
    locale: ['en', 'de', 'fr', 'es'][index % 4] as string,
  });

  it('answer identical stats after a burst handled by both', async () => {
    const before = await a.get<Stats>('/api/stats');
    const users = Array.from({ length: 30 }, (_, index) => newUser(index));
    await Promise.all(users.map((user) => a.publish('new_user', user)));
    await Promise.all(users.slice(0, 5).map((user) => b.publish('user_deleted', { userId: user.userId })));

    const done = (s: Stats) => s.created === before.created + 30 && s.deleted === before.deleted + 5;
    const [fromA, fromB] = await Promise.all([
      a.statsWhere('the burst on A', done),
      b.statsWhere('the burst on B', done),
    ]);
    expect(withoutReadTime(fromB)).toEqual(withoutReadTime(fromA));
    expect(fromA.totalUsers).toBe(before.totalUsers + 25);
    // Each replica handled a share of the partitions (its own metrics), yet both count everything.
    expect(await handledBy(a)).toBeGreaterThan(0);
    expect(await handledBy(b)).toBeGreaterThan(0);
  });

  it("streams on replica A the events replica B handled, every partition's", async () => {
    const stream = await openEventStream(`${a.url}/api/stream`);
    try {
      await stream.next('the initial stats', (frame) => frame.event === 'stats');
      const handledByB = await handledBy(b);
      const published = await Promise.all(
        Array.from({ length: 12 }, (_, index) => b.publish('new_user', newUser(index))),
      );
      const ids = new Set(published.map((event) => event.eventId));

      await waitFor('every event of the burst on the stream of A', () => {
        const seen = stream.received.filter(
          (frame) => frame.event === 'handled' && ids.has((frame.data as { event: { id: string } }).event.id),
        );
        return seen.length === ids.size;
      });
      // Some of them were handled by B, on partitions A does not consume.
      expect(await handledBy(b)).toBeGreaterThan(handledByB);
    } finally {
      await stream.close();
    }
  });

  it('keep serving what the log says when their LISTEN connections are cut', async () => {
    const before = await a.get<Stats>('/api/stats');
    const dataSource = a.app.get(DataSource);
    const cut: unknown[] = await dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = 'LISTEN dashboard_changes'`,
    );
    expect(cut).toHaveLength(2);
    await a.publish('new_user', newUser(99));

    const done = (s: Stats) => s.created === before.created + 1;
    const [fromA, fromB] = await Promise.all([
      a.statsWhere('the signup on A', done),
      b.statsWhere('the signup on B', done),
    ]);
    expect(withoutReadTime(fromB)).toEqual(withoutReadTime(fromA));
  });
});

/** Events this replica's consumer handled for the live group, from its own /metrics. */
async function handledBy(replica: DashboardUnderTest): Promise<number> {
  const metrics = await replica.metrics();
  const pattern = /^kafka_events_consumed_total\{([^}]*)\} (\d+)$/gm;
  let total = 0;
  for (const [, labels, value] of metrics.matchAll(pattern)) {
    if (labels?.includes(`group="${replica.groupId}"`) && labels.includes('outcome="handled"')) total += Number(value);
  }
  return total;
}
