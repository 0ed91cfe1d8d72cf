import { randomUUID } from 'node:crypto';
import { EventPublisher, KAFKA_CLIENT, listDeadLetters, redriveDeadLetters } from '@kafka-platform/kafka';
import type { KafkaClientPort, PublishOptions } from '@kafka-platform/kafka';
import { ManagementServer } from '@kafka-platform/platform';
import { authHeaders, failWrites, waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { deadLetterTopic, startEmailService, uniqueAddress } from '../test/test-support/email-service-app';
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
  // As the demo admin: GET /emails is an operator's view.
  const get = async (path: string) => fetch(`${service.url}${path}`, { headers: await authHeaders('ada') });
  const page = async (query: string) => {
    const response = await get(`/emails${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { items: SentEmailView[]; nextCursor: string | null };
  };
  // The first page only: enough for the few mails of this suite, whose tests look for the newest ones.
  const listed = async (limit = 200): Promise<SentEmailView[]> => (await page(`?limit=${limit}`)).items;
  const listedEvent = (eventId: string) =>
    waitFor(`GET /emails to list ${eventId}`, async () => (await listed()).find((item) => item.eventId === eventId));
  const handled = (eventId: string) =>
    waitFor(`event ${eventId} to be handled`, async () => {
      const rows: unknown[] = await service.app
        .get(DataSource)
        .query(`SELECT 1 FROM inbox WHERE event_id = $1`, [eventId]);
      return rows.length === 1;
    });
  const rowsOf = (eventId: string): Promise<unknown[]> =>
    service.app.get(DataSource).query(`SELECT * FROM sent_emails WHERE event_id = $1`, [eventId]);

  it('is ready once its database answers and its consumer runs', async () => {
    const response = await waitFor('GET /health/ready 200', async () => {
      const ready = await get('/health/ready');
      return ready.status === 200 && ready;
    });

    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, consumer: { status: 'up', state: 'running' } },
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
      const text = await (await fetch(`${service.app.get(ManagementServer).url}/metrics`)).text();
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

  it('sends no welcome mail for a new_user that arrives after its user_deleted', async () => {
    const userId = randomUUID();
    const address = uniqueAddress('overtaken');
    await publish('user_deleted', { userId }, { version: 1 });
    const late = await publish('new_user', { userId, email: address, name: 'Gone', locale: 'en' }, { version: 2 });
    await handled(late.eventId);
    expect(await rowsOf(late.eventId)).toEqual([]);
    expect(await mailsTo(address)).toEqual([]);
  });

  it('sends no welcome mail for a new_user redriven from the DLQ after the user was deleted', async () => {
    const userId = randomUUID();
    const address = uniqueAddress('redriven');
    // The first delivery fails for good (a bug, say): its attempts are spent and it goes to the DLQ unapplied.
    const dataSource = service.app.get(DataSource);
    const lift = await failWrites((sql) => dataSource.query(sql), 'sent_emails', 'user_id', userId);
    const signup = await publish('new_user', { userId, email: address, name: 'Gone', locale: 'en' }, { version: 2 });
    const dlq = deadLetterTopic(service.app);
    await waitFor('the new_user in the DLQ', async () =>
      (await listDeadLetters(service.app.get<KafkaClientPort>(KAFKA_CLIENT), dlq)).some(
        (letter) => letter.key === userId,
      ),
    );
    await lift();

    await handled((await publish('user_deleted', { userId }, { version: 1 })).eventId);
    // The fix is out: the operator redrives the DLQ; the new_user comes back after the deletion, same event id.
    const redriven = await redriveDeadLetters(service.app.get<KafkaClientPort>(KAFKA_CLIENT), dlq);
    expect(redriven.map((letter) => letter.key)).toContain(userId);
    await handled(signup.eventId);

    expect(await rowsOf(signup.eventId)).toEqual([]);
    expect(await mailsTo(address)).toEqual([]);
  });

  it('lists newest first a page at a time, within a bounded limit, and refuses a limit above 200', async () => {
    const [newest] = await listed(1);
    const all = await listed(200);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(newest).toEqual(all[0]);
    const times = all.map((item) => item.sentAt);
    expect(times).toEqual([...times].sort().reverse());

    const first = await page('?limit=2');
    expect(first.items).toEqual(all.slice(0, 2));
    const second = await page(`?limit=2&after=${first.nextCursor}`);
    expect(second.items).toEqual(all.slice(2, 4));

    const byDefault = await page('');
    expect(byDefault).toEqual({ items: all.slice(0, 50), nextCursor: all.length > 50 ? expect.any(String) : null });
    expect((await get('/emails?limit=abc')).status).toBe(400);

    const response = await get('/emails?limit=500');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      message: 'Validation failed',
      errors: [{ field: 'limit', messages: ['limit must not be greater than 200'] }],
    });
  });
});
