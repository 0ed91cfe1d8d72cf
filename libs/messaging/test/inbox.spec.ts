import { newEnvelope } from '@kafka-platform/kafka';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Inbox } from '../src';
import { messagingTestEnv, startMessagingApp } from './messaging-app';
import type { MessagingTestEnv } from './messaging-app';

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

  it('forgets every handled event on clear (a projection rebuild)', async () => {
    const delivered = event();
    await inbox.handleOnce(delivered, apply(delivered.id));
    await dataSource.transaction((manager) => inbox.clear(manager));
    await expect(inbox.handleOnce(delivered, apply(delivered.id))).resolves.toBe('handled');
  });
});
