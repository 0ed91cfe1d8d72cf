import { randomUUID } from 'node:crypto';
import { EventPublisher } from '@kafka-platform/kafka';
import type { PublishOptions } from '@kafka-platform/kafka';
import { waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { startEmailService, uniqueAddress } from '../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../test/test-support/email-service-app';
import { mailDetail, mailsTo, waitForMails } from '../test/test-support/mail-sink';
import type { SentEmailView } from './list-emails/list-emails.controller';

jest.setTimeout(60_000);

describe('email-service', () => {
  let service: EmailServiceUnderTest;

  beforeAll(async () => {
    service = await startEmailService();
  });
  afterAll(() => service?.close());

  const publish = (type: string, payload: object, options: PublishOptions) =>
    service.app.get(EventPublisher).publish(type, payload, options);
  const get = (path: string) => fetch(`${service.url}${path}`);
  const listed = async (limit = 200): Promise<SentEmailView[]> =>
    ((await (await get(`/emails?limit=${limit}`)).json()) as { items: SentEmailView[] }).items;
  const listedEvent = (eventId: string) =>
    waitFor(`GET /emails to list ${eventId}`, async () => (await listed()).find((item) => item.eventId === eventId));
  const rowsOf = (eventId: string): Promise<unknown[]> =>
    service.app.get(DataSource).query(`SELECT * FROM sent_emails WHERE event_id = $1`, [eventId]);

  it('is ready once Kafka, the registry, the database and its consumer are', async () => {
    const response = await waitFor('GET /health/ready 200', async () => {
      const ready = await get('/health/ready');
      return ready.status === 200 && ready;
    });

    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { kafka: { status: 'up' }, schemaRegistry: { status: 'up' }, database: { status: 'up' } },
    });
  });

  it('greets a new user (v2, locale de-CH) by name in German, as text and HTML, and lists the mail', async () => {
    const userId = randomUUID();
    const address = uniqueAddress('ada');
    const { eventId } = await publish(
      'new_user',
      { userId, email: address, name: 'Ada', locale: 'de-CH' },
      { version: 2 },
    );

    const mails = await waitForMails(address);
    expect(mails).toHaveLength(1);
    const mail = await mailDetail(mails[0].ID);
    expect(mail.Subject).toBe('Willkommen, Ada!');
    expect(mail.From.Address).toBe('welcome@kafka-platform.local');
    expect(mail.To).toEqual([{ Name: 'Ada', Address: address }]);
    expect(mail.Text.startsWith('Willkommen, Ada!\n\n')).toBe(true);
    expect(mail.HTML).toContain('<html lang="de">');
    expect(mail.HTML).toContain('Willkommen, Ada!</h1>');
    expect(mail.MessageID).toBe(`${eventId}@kafka-platform.local`);

    expect(await listedEvent(eventId)).toEqual({
      id: expect.any(String),
      eventId,
      userId,
      recipient: address,
      subject: 'Willkommen, Ada!',
      language: 'de',
      messageId: `<${eventId}@kafka-platform.local>`,
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      erasedAt: null,
    });
    expect((await listed())[0].eventId).toBe(eventId);
    const metrics = await waitFor('emails_sent_total{language="de"} at 1', async () => {
      const text = await (await get('/metrics')).text();
      return /^emails_sent_total\{[^}]*language="de"[^}]*\} 1$/m.test(text) && text;
    });
    expect(metrics).toMatch(/^emails_sent_total\{[^}]*language="fr"[^}]*\} 0$/m);
  });

  it('greets a v1 new user (no locale) in English', async () => {
    const address = uniqueAddress('grace');
    const { eventId } = await publish(
      'new_user',
      { userId: randomUUID(), email: address, name: 'Grace' },
      { version: 1 },
    );

    const [summary] = await waitForMails(address);
    const mail = await mailDetail(summary.ID);
    expect(mail.Subject).toBe('Welcome, Grace!');
    expect(mail.HTML).toContain('<html lang="en">');
    expect(mail.Text.startsWith('Welcome, Grace!\n\n')).toBe(true);
    expect(await listedEvent(eventId)).toMatchObject({ language: 'en', subject: 'Welcome, Grace!' });
  });

  it('sends one mail and records one row for an event delivered twice', async () => {
    const userId = randomUUID();
    const address = uniqueAddress('twice');
    const eventId = randomUUID();
    const payload = { userId, email: address, name: 'Twice', locale: 'fr' };
    const first = await publish('new_user', payload, { version: 2, eventId });
    const again = await publish('new_user', payload, { version: 2, eventId });
    // Same key, same partition, handled in order: once this later event's mail is out, the copy was handled too.
    const marker = uniqueAddress('marker');
    const after = await publish('new_user', { ...payload, email: marker }, { version: 2 });
    expect([again.partition, after.partition]).toEqual([first.partition, first.partition]);

    await waitForMails(marker);
    await listedEvent(after.eventId);

    expect(await mailsTo(address)).toHaveLength(1);
    expect(await rowsOf(eventId)).toHaveLength(1);
    expect((await listed()).filter((item) => item.eventId === eventId)).toHaveLength(1);
  });

  it("forgets a deleted user's address and name, and only theirs", async () => {
    const userId = randomUUID();
    const address = uniqueAddress('leaving');
    const kept = uniqueAddress('staying');
    const mailed = await publish('new_user', { userId, email: address, name: 'Leaving', locale: 'es' }, { version: 2 });
    const other = await publish(
      'new_user',
      { userId: randomUUID(), email: kept, name: 'Staying', locale: 'en' },
      { version: 2 },
    );
    await listedEvent(mailed.eventId);
    await listedEvent(other.eventId);

    await publish('user_deleted', { userId }, { version: 1 });

    const erased = await waitFor('the address to be forgotten', async () => {
      const item = (await listed()).find((row) => row.eventId === mailed.eventId);
      return item?.erasedAt ? item : undefined;
    });
    expect(erased).toMatchObject({ userId, recipient: null, subject: null, language: 'es' });
    const left: { count: number }[] = await service.app.get(DataSource).query(
      `SELECT count(*)::int AS count FROM sent_emails
          WHERE recipient = $1 OR (user_id = $2 AND (recipient IS NOT NULL OR subject IS NOT NULL))`,
      [address, userId],
    );
    expect(left[0].count).toBe(0);
    expect((await listed()).find((row) => row.eventId === other.eventId)).toMatchObject({
      recipient: kept,
      erasedAt: null,
    });
  });

  it('sends no welcome mail for a new_user that arrives after the user was deleted (a DLQ redrive)', async () => {
    const userId = randomUUID();
    const address = uniqueAddress('redriven');
    await publish('user_deleted', { userId }, { version: 1 });
    const late = await publish('new_user', { userId, email: address, name: 'Gone', locale: 'en' }, { version: 2 });
    await waitFor('the late new_user to be handled', async () => {
      const rows: unknown[] = await service.app
        .get(DataSource)
        .query(`SELECT 1 FROM inbox WHERE event_id = $1`, [late.eventId]);
      return rows.length === 1;
    });
    expect(await rowsOf(late.eventId)).toEqual([]);
    expect(await mailsTo(address)).toEqual([]);
  });

  it('lists newest first within a bounded limit and refuses a limit above 200', async () => {
    const [newest] = await listed(1);
    const all = await listed(200);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(newest).toEqual(all[0]);
    const times = all.map((item) => item.sentAt);
    expect(times).toEqual([...times].sort().reverse());

    const byDefault = await get('/emails');
    expect(byDefault.status).toBe(200);
    expect(((await byDefault.json()) as { items: SentEmailView[] }).items).toEqual(all.slice(0, 50));
    expect((await get('/emails?limit=abc')).status).toBe(400);

    const response = await get('/emails?limit=500');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      message: 'Validation failed',
      errors: [{ field: 'limit', messages: ['limit must not be greater than 200'] }],
    });
  });
});
