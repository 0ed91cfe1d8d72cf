import { randomUUID } from 'node:crypto';
import { ConsumerHost, EventPublisher } from '@kafka-platform/kafka';
import { freePort, topicSize, waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { deadLetterTopic, startEmailService, uniqueAddress } from '../../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../../test/test-support/email-service-app';
import { smtpServerOn } from '../../test/test-support/smtp-server';

jest.setTimeout(90_000);

// Its own app (own namespace and database): SMTP_PORT points at a port nothing listens on until the test opens it.
describe('email-service through an SMTP outage', () => {
  let service: EmailServiceUnderTest;
  let smtpPort: number;

  beforeAll(async () => {
    smtpPort = await freePort();
    service = await startEmailService({ SMTP_PORT: String(smtpPort), KAFKA_HANDLER_MAX_ATTEMPTS: '2' });
  });
  afterAll(() => service?.close());

  const count = async (sql: string, eventId: string): Promise<number> => {
    const [row] = (await service.app.get(DataSource).query(sql, [eventId])) as { count: number }[];
    return row.count;
  };

  it('holds the mail while SMTP is down (readiness names it), dead-letters nothing, and sends it once SMTP is back', async () => {
    const publisher = service.app.get(EventPublisher);
    const userId = randomUUID();
    const address = uniqueAddress('patient');
    const held = await publisher.publish(
      'new_user',
      { userId, email: address, name: 'Patient', locale: 'en' },
      { version: 2 },
    );

    // Far more attempts than a bug would get (2), and readiness says what the consumer waits for.
    const blocked = await waitFor('the partition to be held by the outage', () => {
      const [entry] = service.app.get(ConsumerHost).status?.blocked ?? [];
      return entry && entry.attempts > 4 && entry;
    });
    expect(blocked).toMatchObject({
      partition: held.partition,
      offset: held.offset,
      kind: 'transient',
      code: 'SMTP_UNAVAILABLE',
      dependencies: ['smtp'],
    });
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      error: { consumer: { status: 'down', state: 'running', blockedBy: ['smtp'] } },
    });
    // The failed attempts rolled back: no sent mail recorded, no inbox row that would swallow a later attempt.
    expect(await count(`SELECT count(*)::int AS count FROM sent_emails WHERE event_id = $1`, held.eventId)).toBe(0);
    expect(await count(`SELECT count(*)::int AS count FROM inbox WHERE event_id = $1`, held.eventId)).toBe(0);

    const smtp = await smtpServerOn(smtpPort);
    try {
      await waitFor('the held mail to go out once SMTP is back', () => smtp.received.includes(address), {
        timeoutMs: 30_000,
      });
      await waitFor('readiness to recover', async () => (await fetch(`${service.url}/health/ready`)).status === 200);
      expect(smtp.received.filter((to) => to === address)).toHaveLength(1);
      expect(await count(`SELECT count(*)::int AS count FROM sent_emails WHERE event_id = $1`, held.eventId)).toBe(1);
      expect(await topicSize(deadLetterTopic(service.app))).toBe(0);
    } finally {
      await smtp.close();
    }
  });
});
