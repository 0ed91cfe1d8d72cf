// The upgrade from erased_users to the messaging library's tombstones, on real PostgreSQL and Kafka: a user
// erased before the upgrade still gets no welcome mail when their new_user arrives after it.
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '@kafka-platform/kafka';
import { CreateInbox1763900000001 } from '@kafka-platform/messaging';
import { createTestDatabase, waitFor } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { startEmailService, uniqueAddress } from '../../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../../test/test-support/email-service-app';
import { mailsTo } from '../../test/test-support/mail-sink';
import { CreateSentEmails1764000000000 } from '../migrations/1764000000000-create-sent-emails';
import { CreateErasedUsers1764000000001 } from '../migrations/1764000000001-create-erased-users';

jest.setTimeout(60_000);

describe('erased users carried over to tombstones (real stack)', () => {
  let database: TestDatabase;
  let service: EmailServiceUnderTest | undefined;
  const erased = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('email_service');
    // The database as the release before the upgrade left it, with one erased user.
    const before = new DataSource({
      type: 'postgres',
      url: database.url,
      migrations: [CreateInbox1763900000001, CreateSentEmails1764000000000, CreateErasedUsers1764000000001],
    });
    await before.initialize();
    try {
      await before.runMigrations();
      await before.query(`INSERT INTO erased_users (user_id) VALUES ($1)`, [erased]);
    } finally {
      await before.destroy();
    }
    service = await startEmailService({ DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('moves the erased ids into aggregate_versions as tombstones and drops erased_users', async () => {
    const dataSource = (service as EmailServiceUnderTest).app.get(DataSource);
    expect(await dataSource.query(`SELECT key, deleted_at IS NOT NULL AS deleted FROM aggregate_versions`)).toEqual([
      { key: erased, deleted: true },
    ]);
    expect(await dataSource.query(`SELECT to_regclass('erased_users') AS erased_users`)).toEqual([
      { erased_users: null },
    ]);
  });

  it('sends no welcome mail to a user erased before the upgrade', async () => {
    const { app } = service as EmailServiceUnderTest;
    const address = uniqueAddress('erased-before');
    const late = await app
      .get(EventPublisher)
      .publish('new_user', { userId: erased, email: address, name: 'Erased', locale: 'en' });
    await waitFor('the late new_user to be handled', async () => {
      const rows: unknown[] = await app
        .get(DataSource)
        .query(`SELECT 1 FROM inbox WHERE event_id = $1`, [late.eventId]);
      return rows.length === 1;
    });
    expect(await mailsTo(address)).toEqual([]);
    expect(await app.get(DataSource).query(`SELECT 1 FROM sent_emails WHERE user_id = $1`, [erased])).toEqual([]);
  });
});
