// The dashboard-service in-process on the real stack (Kafka, registry, PostgreSQL), in its own namespace and
// database: events published to its topic show up in the stats, the live stream and the lag view.
import { randomUUID } from 'node:crypto';
import { EventPublisher, listDeadLetters } from '@kafka-platform/kafka';
import { authHeaders, uniqueName, waitFor } from '@kafka-platform/testing';
import type { ConsumerGroupsView } from './consumer-groups/consumer-groups.service';
import type { Stats } from './stats/stats';
import { startDashboard } from '../test/test-support/dashboard-app';
import type { DashboardUnderTest } from '../test/test-support/dashboard-app';
import { openEventStream } from '../test/test-support/event-stream';

jest.setTimeout(60_000);

describe('dashboard-service (real stack)', () => {
  let dashboard: DashboardUnderTest;

  beforeAll(async () => {
    dashboard = await startDashboard();
  });
  afterAll(() => dashboard?.close());

  const user = (overrides: Partial<{ userId: string; email: string; name: string; locale: string }> = {}) => ({
    userId: randomUUID(),
    email: `${uniqueName('someone')}@example.com`,
    name: 'Someone',
    locale: 'en',
    ...overrides,
  });

  it('projects signups (v1 and v2), updates and deletions into the stats, with masked addresses', async () => {
    const ada = user({ name: 'Ada', email: 'ada.lovelace@example.com', locale: 'de-CH' });
    const { locale: _v1HasNoLocale, ...grace } = user({ name: 'Grace', email: 'grace@navy.mil' });
    const alan = user({ name: 'Alan', email: 'alan@example.org', locale: 'de-CH' });

    await dashboard.publish('new_user', ada, { occurredAt: new Date('2024-03-01T23:30:00Z') });
    await dashboard.publish('new_user', grace, { version: 1, occurredAt: new Date('2024-03-02T00:10:00Z') });
    await dashboard.publish('new_user', alan, { occurredAt: new Date('2024-03-02T10:00:00Z') });
    await dashboard.publish('user_updated', { ...grace, name: 'Grace H.', email: 'hopper@navy.mil', locale: 'fr' });
    await dashboard.publish('user_deleted', { userId: alan.userId });

    const stats = await dashboard.statsWhere(
      'all five events applied',
      (s) => s.created === 3 && s.deleted === 1 && s.usersPerLocale.some((l) => l.locale === 'fr'),
    );

    expect(stats).toEqual({
      totalUsers: 2,
      created: 3,
      deleted: 1,
      // The UTC day of each event's occurredAt; ascending.
      signupsPerDay: [
        { day: '2024-03-01', count: 1 },
        { day: '2024-03-02', count: 2 },
      ],
      // Newest first; the deleted user is gone, the updated one shows its new profile, addresses masked.
      recentSignups: [
        {
          userId: grace.userId,
          name: 'Grace H.',
          email: 'h***@navy.mil',
          locale: 'fr',
          at: '2024-03-02T00:10:00.000Z',
        },
        { userId: ada.userId, name: 'Ada', email: 'a***@example.com', locale: 'de-CH', at: '2024-03-01T23:30:00.000Z' },
      ],
      usersPerLocale: [
        { locale: 'de-CH', count: 1 },
        { locale: 'fr', count: 1 },
      ],
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('reads a v1 signup with the default locale "en"', async () => {
    const before = await dashboard.get<Stats>('/api/stats');
    const { locale: _none, ...legacy } = user({ name: 'Legacy' });
    await dashboard.publish('new_user', legacy, { version: 1 });

    const stats = await dashboard.statsWhere('the v1 signup', (s) => s.created === before.created + 1);
    expect(stats.recentSignups[0]).toMatchObject({ userId: legacy.userId, locale: 'en' });
    expect(stats.usersPerLocale).toContainEqual({ locale: 'en', count: localeCount(before, 'en') + 1 });
  });

  it('counts an event delivered twice (same event id) once, and a re-published signup of the same user once', async () => {
    const before = await dashboard.get<Stats>('/api/stats');
    const twice = user({ name: 'Twice' });
    const eventId = randomUUID();
    await dashboard.publish('new_user', twice, { eventId });
    await dashboard.publish('new_user', twice, { eventId });
    // Same user again under a new event id: the inbox lets it through, the projection's upsert does not count it.
    await dashboard.publish('new_user', twice);
    // Same key, so same partition: once this update is visible, everything before it was handled.
    await dashboard.publish('user_updated', { ...twice, name: 'Twice (seen)' });

    const stats = await dashboard.statsWhere('the update after the duplicates', (s) =>
      s.recentSignups.some((r) => r.userId === twice.userId && r.name === 'Twice (seen)'),
    );
    expect(stats.created).toBe(before.created + 1);
    expect(stats.totalUsers).toBe(before.totalUsers + 1);
  });

  it('dead-letters a poison record at once and keeps counting the events after it', async () => {
    const before = await dashboard.get<Stats>('/api/stats');
    const producer = dashboard.client.producer();
    await producer.connect();
    try {
      await producer.send(dashboard.topic, [{ key: 'x', value: Buffer.from('garbage'), headers: {} }]);
    } finally {
      await producer.disconnect();
    }
    const after = user({ name: 'After poison' });
    await dashboard.publish('new_user', after);

    await dashboard.statsWhere('the event after the poison record', (s) => s.created === before.created + 1);
    const dlq = `${dashboard.topic}.dashboard-service.dlq`;
    expect(dlq).toBe(`${dashboard.namespace}.user-events.dashboard-service.dlq`);
    const letters = await waitFor('the poison record in the DLQ', async () => {
      const found = await listDeadLetters(dashboard.client, dlq);
      return found.length > 0 ? found : undefined;
    });
    expect(letters).toEqual([
      expect.objectContaining({
        key: 'x',
        errorCode: 'MISSING_HEADER',
        source: expect.stringContaining(dashboard.topic),
      }),
    ]);
  });

  it('projects a burst of sign-ups in one transaction per run of records, not one per event', async () => {
    const burst = Array.from({ length: 300 }, () => ({ type: 'new_user', payload: user() }));
    const published = await dashboard.app.get(EventPublisher).publishAll(burst);
    const ids = published.map((event) => event.eventId);
    await dashboard.handled(ids);
    // Each inbox row carries the id of the transaction that wrote it (xmin): one per run under BatchTransaction.
    const [{ transactions }] = await dashboard.inLiveGeneration<{ transactions: number }[]>(
      `SELECT count(DISTINCT xmin::text)::int AS transactions FROM inbox WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThanOrEqual(60);
  });

  it('streams the stats on connect and each handled event with the stats that include it', async () => {
    const stream = await openEventStream(`${dashboard.url}/api/stream`);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const first = await stream.next('the initial stats', (f) => f.event === 'stats');
      const initial = first.data as Stats;
      expect(initial.totalUsers).toEqual(expect.any(Number));

      const live = user({ name: 'Live', email: 'live@example.com', locale: 'it' });
      const published = await dashboard.publish('new_user', live);

      const handled = await stream.next(
        'a handled event for the signup',
        (f) => f.event === 'handled' && (f.data as { event: { id: string } }).event.id === published.eventId,
      );
      expect(handled.data).toEqual({
        event: {
          id: published.eventId,
          type: 'new_user',
          version: 3,
          occurredAt: published.envelope.occurredAt,
          key: live.userId,
          correlationId: published.envelope.correlationId,
        },
        stats: expect.objectContaining({
          created: initial.created + 1,
          recentSignups: expect.arrayContaining([
            expect.objectContaining({ userId: live.userId, email: 'l***@example.com' }),
          ]),
        }),
      });
    } finally {
      await stream.close();
    }
  });

  it("serves the last minutes of signup-analytics windows per locale, keeping each window's latest count", async () => {
    const minute = (ago: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - ago * 60_000);
    const window = (start: Date, locale: string, count: number, final = false) => ({
      windowKey: `${start.toISOString()}|${locale}`,
      windowStart: start.getTime(),
      windowEnd: start.getTime() + 60_000,
      locale,
      count,
      final,
    });
    const [old, recent, now] = [minute(45), minute(3), minute(0)];
    const published = [
      await dashboard.publish('signups_per_minute', window(old, 'de', 9, true)),
      await dashboard.publish('signups_per_minute', window(recent, 'de', 4, true)),
      // An older count of the same window arriving last (a redrive, a rebuild) does not undo the newer one.
      await dashboard.publish('signups_per_minute', window(recent, 'de', 2)),
      await dashboard.publish('signups_per_minute', window(recent, 'pt', 1)),
      await dashboard.publish('signups_per_minute', window(now, 'pt', 3)),
    ];
    await dashboard.handled(published.map((event) => event.eventId));

    expect(await dashboard.get('/api/signups-per-minute?minutes=30')).toEqual({
      minutes: 30,
      from: expect.any(String),
      series: [
        { locale: 'de', windows: [{ windowStart: recent.toISOString(), count: 4, final: true }] },
        {
          locale: 'pt',
          windows: [
            { windowStart: recent.toISOString(), count: 1, final: false },
            { windowStart: now.toISOString(), count: 3, final: false },
          ],
        },
      ],
    });
    const longer = await dashboard.get<{ series: { locale: string; windows: unknown[] }[] }>(
      '/api/signups-per-minute?minutes=60',
    );
    expect(longer.series.find((series) => series.locale === 'de')?.windows).toHaveLength(2);
    const refused = await fetch(`${dashboard.url}/api/signups-per-minute?minutes=0`, {
      headers: await authHeaders('ada'),
    });
    expect(refused.status).toBe(400);
    expect((await fetch(`${dashboard.url}/api/signups-per-minute`)).status).toBe(401);
  });

  it('lists the catalog groups and any group with commits on the topic, with lag per partition', async () => {
    const marker = user({ name: 'Lag marker' });
    await dashboard.publish('new_user', marker);
    await dashboard.statsWhere('the marker signup', (s) => s.recentSignups.some((r) => r.userId === marker.userId));

    const caughtUp = await waitFor('the dashboard group at lag 0', async () => {
      const view = await dashboard.get<ConsumerGroupsView>('/api/consumer-groups');
      const own = view.groups.find((g) => g.groupId === dashboard.groupId);
      return own && own.totalLag === 0 && own.partitions.some((p) => p.committed !== '-1') ? view : undefined;
    });
    expect(caughtUp.topic).toBe(dashboard.topic);
    const own = caughtUp.groups.find((g) => g.groupId === dashboard.groupId);
    expect(own?.partitions).toHaveLength(6);
    for (const partition of own?.partitions ?? []) {
      expect(partition).toEqual({
        partition: expect.any(Number),
        committed: expect.stringMatching(/^-?\d+$/),
        logStart: expect.stringMatching(/^\d+$/),
        logEnd: expect.stringMatching(/^\d+$/),
        lag: 0,
      });
    }
    // A catalog consumer is listed even before it has ever run here: everything is still to read for it.
    const email = caughtUp.groups.find((g) => g.groupId === `${dashboard.namespace}.email-service`);
    const logEnd = (own?.partitions ?? []).reduce((sum, p) => sum + Number(p.logEnd), 0);
    expect(email?.totalLag).toBe(logEnd);

    // A group that read up to offset 0 of every partition with records, and stopped there.
    const lagging = `${dashboard.namespace}.${uniqueName('stalled-reader')}`;
    const withRecords = (own?.partitions ?? []).filter((p) => p.logEnd !== '0');
    const admin = dashboard.client.admin();
    await admin.connect();
    try {
      await admin.setGroupOffsets(
        lagging,
        dashboard.topic,
        withRecords.map((p) => ({ partition: p.partition, offset: '0' })),
      );
    } finally {
      await admin.disconnect();
    }
    const listed = await waitFor('the stalled group in the list', async () => {
      const view = await dashboard.get<ConsumerGroupsView>('/api/consumer-groups');
      return view.groups.find((g) => g.groupId === lagging);
    });
    expect(listed.totalLag).toBeGreaterThan(0);
    expect(listed.totalLag).toBe(logEnd);
    expect(listed.partitions.find((p) => p.logEnd !== '0')).toMatchObject({ committed: '0' });
  });

  it('serves the live page and its assets from memory with their content types', async () => {
    const page = await fetch(`${dashboard.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toMatch(/<!doctype html>/i);

    const css = await fetch(`${dashboard.url}/dashboard.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const js = await fetch(`${dashboard.url}/dashboard.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(0);

    const etag = css.headers.get('etag') as string;
    const again = await fetch(`${dashboard.url}/dashboard.css`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves the event catalog page without a token, linked from the live page', async () => {
    const catalog = await fetch(`${dashboard.url}/catalog`);
    expect(catalog.status).toBe(200);
    expect(catalog.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(catalog.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'self'/);
    const html = await catalog.text();
    for (const text of ['new_user v1', 'new_user v2', 'user_updated v1', 'user_deleted v1', 'dashboard-service']) {
      expect(html).toContain(text);
    }
    expect(await (await fetch(`${dashboard.url}/`)).text()).toContain('href="catalog"');
  });

  it('keeps the health endpoints of the platform, and its metrics on the management port', async () => {
    const ready = await waitFor('readiness', async () => {
      const response = await fetch(`${dashboard.url}/health/ready`);
      return response.status === 200 ? response : undefined;
    });
    expect(await ready.json()).toMatchObject({ status: 'ok' });
    const metrics = await dashboard.metrics();
    expect(metrics).toContain('dashboard_stream_clients');
  });

  // Last: it closes the app. An open stream must not keep the HTTP server (and a SIGTERM) from finishing.
  it('ends open streams when the app shuts down', async () => {
    const stream = await openEventStream(`${dashboard.url}/api/stream`);
    await stream.next('the initial stats', (f) => f.event === 'stats');
    const started = Date.now();
    await dashboard.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stream.received.at(-1)?.event).toBe('stats');
  });
});

function localeCount(stats: Stats, locale: string): number {
  return stats.usersPerLocale.find((l) => l.locale === locale)?.count ?? 0;
}
