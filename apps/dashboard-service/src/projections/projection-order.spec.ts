// The dashboard's projections on the real stack when a user's events arrive out of order: a DLQ redrive, an
// update overtaking its signup. Whatever the order, the stats must be what the log says in order, and nothing
// personal of a deleted user may stay in any table.
import { randomUUID } from 'node:crypto';
import { listDeadLetters, redriveDeadLetters } from '@kafka-platform/kafka';
import { failWrites, permutations, uniqueName, waitFor } from '@kafka-platform/testing';
import type { Stats } from '../stats/stats';
import { startDashboard, withoutReadTime } from '../../test/test-support/dashboard-app';
import type { DashboardUnderTest } from '../../test/test-support/dashboard-app';

jest.setTimeout(60_000);

type UserEvent = 'new_user' | 'user_updated' | 'user_deleted';
// Their order in the log: what the outbox's sequence (the row id) says.
const SEQUENCE: Record<UserEvent, string> = { new_user: '1', user_updated: '2', user_deleted: '3' };
const SIGNUP_DAY = '2024-06-01';

describe('projections whatever the order of arrival (real stack)', () => {
  let dashboard: DashboardUnderTest;

  beforeAll(async () => {
    dashboard = await startDashboard();
  });
  afterAll(() => dashboard?.close());

  const signups = (stats: Stats) => stats.signupsPerDay.find((d) => d.day === SIGNUP_DAY)?.count ?? 0;

  /** A user with a signup and a later profile change, with names and addresses no other test uses. */
  function someone() {
    const userId = randomUUID();
    const domain = `${uniqueName('mail')}.example`;
    const signup = { userId, name: uniqueName('Signed'), email: `first@${domain}`, locale: 'de' };
    const update = { userId, name: uniqueName('Renamed'), email: `second@${domain}`, locale: 'fr' };
    // What the dashboard stores of them: the names and the masked addresses.
    const personal = [signup.name, update.name, `f***@${domain}`, `s***@${domain}`];
    return { userId, signup, update, personal };
  }

  async function publishInOrder(user: ReturnType<typeof someone>, order: readonly UserEvent[]): Promise<string[]> {
    const ids: string[] = [];
    for (const type of order) {
      const payload =
        type === 'new_user' ? user.signup : type === 'user_updated' ? user.update : { userId: user.userId };
      const occurredAt = new Date(`${SIGNUP_DAY}T12:00:0${SEQUENCE[type]}Z`);
      ids.push((await dashboard.publish(type, payload, { sequence: SEQUENCE[type], occurredAt })).eventId);
    }
    return ids;
  }

  const personalData = (user: ReturnType<typeof someone>) => dashboard.rowsMentioning(user.personal);

  it.each(permutations<UserEvent>(['new_user', 'user_updated', 'user_deleted']))(
    'a deleted user arriving as %s, %s, %s counts as signed up and deleted, and shows nowhere',
    async (...order: UserEvent[]) => {
      const before = await dashboard.get<Stats>('/api/stats');
      const user = someone();
      await dashboard.handled(await publishInOrder(user, order));

      const after = await dashboard.get<Stats>('/api/stats');
      // What new_user, user_updated, user_deleted in this order leave behind.
      expect(after.created).toBe(before.created + 1);
      expect(after.deleted).toBe(before.deleted + 1);
      expect(after.totalUsers).toBe(before.totalUsers);
      expect(after.usersPerLocale).toEqual(before.usersPerLocale);
      expect(signups(after)).toBe(signups(before) + 1);
      expect(after.recentSignups.map((r) => r.userId)).not.toContain(user.userId);
      expect(await personalData(user)).toEqual([]);
    },
  );

  it.each([[['new_user', 'user_updated']], [['user_updated', 'new_user']]] as UserEvent[][][])(
    'a user_updated is not lost when it arrives before its new_user: %j',
    async (order) => {
      const before = await dashboard.get<Stats>('/api/stats');
      const user = someone();
      await dashboard.handled(await publishInOrder(user, order));

      const after = await dashboard.get<Stats>('/api/stats');
      expect(after.created).toBe(before.created + 1);
      expect(after.totalUsers).toBe(before.totalUsers + 1);
      expect(signups(after)).toBe(signups(before) + 1);
      // The profile of the update (newer by sequence), at the time of the signup.
      expect(after.recentSignups.find((r) => r.userId === user.userId)).toEqual({
        userId: user.userId,
        name: user.update.name,
        email: user.personal[3],
        locale: 'fr',
        at: `${SIGNUP_DAY}T12:00:01.000Z`,
      });
    },
  );

  it('a user_updated that arrives before any signup neither counts nor shows the user', async () => {
    const before = await dashboard.get<Stats>('/api/stats');
    const user = someone();
    await dashboard.handled(await publishInOrder(user, ['user_updated']));

    const after = await dashboard.get<Stats>('/api/stats');
    expect(withoutReadTime(after)).toEqual(withoutReadTime(before));
  });

  it('an older user_updated arriving after a newer one is ignored', async () => {
    const user = someone();
    const newer = { ...user.update, name: uniqueName('Newest'), locale: 'es' };
    const ids = [
      (await dashboard.publish('new_user', user.signup, { sequence: '1' })).eventId,
      (await dashboard.publish('user_updated', newer, { sequence: '3' })).eventId,
      (await dashboard.publish('user_updated', user.update, { sequence: '2' })).eventId,
    ];
    await dashboard.handled(ids);

    const stats = await dashboard.get<Stats>('/api/stats');
    expect(stats.recentSignups.find((r) => r.userId === user.userId)).toMatchObject({ name: newer.name, locale: 'es' });
    expect(await dashboard.rowsMentioning([user.update.name])).toEqual([]);
  });

  it('a new_user redriven from the DLQ after the user was deleted counts the signup and shows nobody', async () => {
    const user = someone();
    // The signup's first delivery fails for good (a bug, say): attempts spent, it goes to the DLQ.
    const lift = await failWrites((sql) => dashboard.inLiveGeneration(sql), 'dashboard_users', 'user_id', user.userId);
    const signup = await dashboard.publish('new_user', user.signup, { sequence: '1' });
    const dlq = `${dashboard.topic}.dashboard-service.dlq`;
    await waitFor('the signup in the DLQ', async () =>
      (await listDeadLetters(dashboard.client, dlq)).some((letter) => letter.key === user.userId),
    );
    await lift();

    const before = await dashboard.get<Stats>('/api/stats');
    await dashboard.handled([
      (await dashboard.publish('user_deleted', { userId: user.userId }, { sequence: '3' })).eventId,
    ]);
    // The fix is out: the operator redrives the DLQ, and the signup arrives after the deletion, same event id.
    expect((await redriveDeadLetters(dashboard.client, dlq)).map((letter) => letter.key)).toContain(user.userId);
    await dashboard.handled([signup.eventId]);

    const after = await dashboard.get<Stats>('/api/stats');
    expect(after.created).toBe(before.created + 1);
    expect(after.deleted).toBe(before.deleted + 1);
    expect(after.totalUsers).toBe(before.totalUsers);
    expect(after.recentSignups.map((r) => r.userId)).not.toContain(user.userId);
    expect(await personalData(user)).toEqual([]);
  });
});
