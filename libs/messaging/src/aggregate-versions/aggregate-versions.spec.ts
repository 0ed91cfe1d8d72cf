// AggregateVersions on real PostgreSQL, inside the inbox transaction as handlers use it.
import { randomUUID } from 'node:crypto';
import { newEnvelope } from '@kafka-platform/kafka';
import { permutations } from '@kafka-platform/testing';
import type { EventEnvelope } from '@kafka-platform/kafka';
import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AggregateVersions, Inbox } from '..';
import type { KeyVerdict, RecordOptions } from '..';
import { messagingTestEnv, startMessagingApp } from '../../test/test-support/messaging-app';
import type { MessagingTestEnv } from '../../test/test-support/messaging-app';

jest.setTimeout(60_000);

describe('AggregateVersions (real PostgreSQL)', () => {
  let test: MessagingTestEnv;
  let app: INestApplication;
  let dataSource: DataSource;

  beforeAll(async () => {
    test = await messagingTestEnv();
    ({ app, dataSource } = await startMessagingApp(test.env(), { inbox: true }));
  });
  afterAll(async () => {
    await app.close();
    await test.database.drop();
  });

  const event = (key: string, type: string, sequence?: number, occurredAt = new Date('2024-05-01T10:00:00Z')) =>
    newEnvelope(
      type,
      1,
      key,
      { userId: key },
      { occurredAt, ...(sequence !== undefined && { sequence: String(sequence) }) },
    );

  /** Applies an event as a handler does: the verdict comes from inside its inbox transaction. */
  async function apply(applied: EventEnvelope, options: RecordOptions = {}): Promise<KeyVerdict> {
    let verdict: KeyVerdict | undefined;
    await app.get(Inbox).handleOnce(applied, async (manager) => {
      verdict = await app.get(AggregateVersions).record(manager, applied, options);
    });
    if (!verdict) throw new Error(`${applied.id} was not applied`);
    return verdict;
  }

  it('takes the first event of a key as the newest, an older one after it as not, a newer one as newest', async () => {
    const key = randomUUID();
    expect(await apply(event(key, 'user_updated', 5))).toEqual({ newest: true, deleted: false, deletedNow: false });
    expect(await apply(event(key, 'new_user', 3))).toEqual({ newest: false, deleted: false, deletedNow: false });
    expect(await apply(event(key, 'user_updated', 4))).toEqual({ newest: false, deleted: false, deletedNow: false });
    expect(await apply(event(key, 'user_updated', 6))).toEqual({ newest: true, deleted: false, deletedNow: false });
  });

  it('orders events without a sequence by the time they occurred', async () => {
    const key = randomUUID();
    const later = event(key, 'user_updated', undefined, new Date('2024-05-01T11:00:00Z'));
    const earlier = event(key, 'user_updated', undefined, new Date('2024-05-01T10:00:00Z'));
    expect((await apply(later)).newest).toBe(true);
    expect((await apply(earlier)).newest).toBe(false);
  });

  it('keeps a tombstone once a deletion is applied, and reports the deletion as new only once', async () => {
    const key = randomUUID();
    expect(await apply(event(key, 'user_deleted', 9), { deletion: true })).toEqual({
      newest: true,
      deleted: true,
      deletedNow: true,
    });
    // The signup that arrives after the deletion (a DLQ redrive) still learns the key is gone.
    expect(await apply(event(key, 'new_user', 1))).toEqual({ newest: false, deleted: true, deletedNow: false });
    // A second deletion event (a re-publish under a new id) is no new deletion.
    expect(await apply(event(key, 'user_deleted', 9), { deletion: true })).toMatchObject({
      deleted: true,
      deletedNow: false,
    });
  });

  it.each(permutations([1, 2, 3]))(
    'ends with the same state for a key whatever the order its events arrive in: %j',
    async (...order: number[]) => {
      const key = randomUUID();
      const events = new Map([
        [1, event(key, 'new_user', 1)],
        [2, event(key, 'user_updated', 2)],
        [3, event(key, 'user_deleted', 3)],
      ]);
      const verdicts: KeyVerdict[] = [];
      for (const sequence of order) {
        verdicts.push(await apply(events.get(sequence) as EventEnvelope, { deletion: sequence === 3 }));
      }
      // Newest exactly when no event applied before it had a higher sequence; deleted once the deletion is in.
      const expected = order.map((sequence, index) => ({
        newest: order.slice(0, index).every((earlier) => earlier < sequence),
        deleted: order.slice(0, index + 1).includes(3),
        deletedNow: sequence === 3,
      }));
      expect(verdicts).toEqual(expected);
      expect(await stored(key)).toEqual({ sequence: '3', event_id: events.get(3)?.id, deleted: true });
    },
  );

  it('serialises concurrent events of one key: of two racing deletions exactly one is new', async () => {
    const key = randomUUID();
    await apply(event(key, 'new_user', 1));
    const verdicts = await Promise.all([
      apply(event(key, 'user_deleted', 7), { deletion: true }),
      apply(event(key, 'user_deleted', 8), { deletion: true }),
    ]);
    expect(verdicts.map((verdict) => verdict.deletedNow).sort()).toEqual([false, true]);
    expect(await stored(key)).toMatchObject({ sequence: '8', deleted: true });
  });

  it('rolls back with the inbox transaction: a failed handler records nothing', async () => {
    const key = randomUUID();
    const failing = event(key, 'user_deleted', 2);
    await expect(
      app.get(Inbox).handleOnce(failing, async (manager) => {
        await app.get(AggregateVersions).record(manager, failing, { deletion: true });
        throw new Error('the projection failed');
      }),
    ).rejects.toThrow('the projection failed');
    expect(await stored(key)).toBeUndefined();
  });

  async function stored(key: string) {
    const [row] = await dataSource.query(
      `SELECT sequence::text AS sequence, event_id, deleted_at IS NOT NULL AS deleted FROM aggregate_versions WHERE key = $1`,
      [key],
    );
    return row;
  }
});
