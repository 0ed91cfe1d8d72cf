import { newEnvelope } from '@kafka-platform/kafka';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BatchTransaction, Inbox } from '..';
import { messagingTestEnv, startMessagingApp } from '../../test/test-support/messaging-app';
import type { MessagingTestEnv } from '../../test/test-support/messaging-app';

jest.setTimeout(60_000);

describe('inbox (real PostgreSQL)', () => {
  let test: MessagingTestEnv;
  let app: INestApplication;
  let dataSource: DataSource;
  let inbox: Inbox;

  beforeAll(async () => {
    test = await messagingTestEnv();
    ({ app, dataSource } = await startMessagingApp(test.env(), { inbox: true }));
    inbox = app.get(Inbox);
    await dataSource.query(`CREATE TABLE effects (event_id uuid, note text)`);
  });
  afterAll(async () => {
    await app.close();
    await test.database.drop();
  });

  const event = () => newEnvelope('user_deleted', 1, 'u', { userId: randomUUID() });
  const effects = async (id: string) =>
    Number((await dataSource.query(`SELECT count(*) AS n FROM effects WHERE event_id = $1`, [id]))[0].n);
  const apply = (id: string) => async (manager: import('typeorm').EntityManager) => {
    await manager.query(`INSERT INTO effects VALUES ($1, 'applied')`, [id]);
  };

  it('applies an event once; a redelivery of the same id is a duplicate and changes nothing', async () => {
    const delivered = event();
    await expect(inbox.handleOnce(delivered, apply(delivered.id))).resolves.toBe('handled');
    await expect(inbox.handleOnce(delivered, apply(delivered.id))).resolves.toBe('duplicate');
    expect(await effects(delivered.id)).toBe(1);
  });

  it('rolls the inbox row back with a failed effect, so the retry applies it', async () => {
    const delivered = event();
    await expect(
      inbox.handleOnce(delivered, async (manager) => {
        await apply(delivered.id)(manager);
        throw new Error('SMTP refused');
      }),
    ).rejects.toThrow('SMTP refused');
    expect(await effects(delivered.id)).toBe(0);
    await expect(inbox.handleOnce(delivered, apply(delivered.id))).resolves.toBe('handled');
    expect(await effects(delivered.id)).toBe(1);
  });

  it('lets only one of two concurrent deliveries of the same event apply it', async () => {
    const delivered = event();
    const outcomes = await Promise.all([
      inbox.handleOnce(delivered, apply(delivered.id)),
      inbox.handleOnce(delivered, apply(delivered.id)),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'handled']);
    expect(await effects(delivered.id)).toBe(1);
  });

  it("applies in the caller's transaction, so one event can go to two inboxes atomically", async () => {
    await dataSource.query(
      `CREATE SCHEMA IF NOT EXISTS other; CREATE TABLE IF NOT EXISTS other.inbox (LIKE inbox INCLUDING ALL)`,
    );
    const delivered = event();
    const both = () =>
      dataSource.transaction(async (manager) => {
        const first = await inbox.handleOnceIn(manager, delivered, apply(delivered.id));
        await manager.query(`SET LOCAL search_path TO other`);
        return [first, await inbox.handleOnceIn(manager, delivered, async () => undefined)];
      });
    const failing = dataSource.transaction(async (manager) => {
      await inbox.handleOnceIn(manager, delivered, apply(delivered.id));
      await manager.query(`SET LOCAL search_path TO other`);
      await inbox.handleOnceIn(manager, delivered, async () => {
        throw new Error('the second read model failed');
      });
    });
    await expect(failing).rejects.toThrow('the second read model failed');
    expect(await effects(delivered.id)).toBe(0);
    await expect(both()).resolves.toEqual(['handled', 'handled']);
    await expect(both()).resolves.toEqual(['duplicate', 'duplicate']);
    expect(await effects(delivered.id)).toBe(1);
  });

  it('under a BatchTransaction scope, applies every event of the run in its one transaction, and rolls all back with it', async () => {
    const batch = app.get(BatchTransaction);
    const [first, second, third] = [event(), event(), event()];
    await batch.scope(async () => {
      await inbox.handleOnce(first, apply(first.id));
      await inbox.handleOnce(second, apply(second.id));
    });
    // Read outside the scope, after its commit: both rows, one writing transaction.
    expect(await effects(first.id)).toBe(1);
    expect(await effects(second.id)).toBe(1);
    const [{ writers }] = await dataSource.query(
      `SELECT count(DISTINCT xmin::text)::int AS writers FROM effects WHERE event_id = ANY($1::uuid[])`,
      [[first.id, second.id]],
    );
    expect(writers).toBe(1);

    const failing = batch.scope(async () => {
      await inbox.handleOnce(third, apply(third.id));
      throw new Error('a later record of the run failed');
    });
    await expect(failing).rejects.toThrow('a later record of the run failed');
    expect(await effects(third.id)).toBe(0);
    await expect(inbox.handleOnce(third, apply(third.id))).resolves.toBe('handled');
  });
});
