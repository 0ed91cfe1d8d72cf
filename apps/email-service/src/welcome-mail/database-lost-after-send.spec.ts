import { randomUUID } from 'node:crypto';
import { EventPublisher } from '@kafka-platform/kafka';
import { freePort, topicSize, waitFor } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { deadLetterTopic, startEmailService, uniqueAddress } from '../../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../../test/test-support/email-service-app';
import { smtpServerOn } from '../../test/test-support/smtp-server';
import type { TestSmtpServer } from '../../test/test-support/smtp-server';

jest.setTimeout(90_000);

// Regression: with PostgreSQL restarted between the SMTP server's accept and the COMMIT (the fault suite's
// restart during sign-ups), the retried event sent the welcome mail a second time.
describe('email-service losing its database connection after SMTP accepted the mail', () => {
  let service: EmailServiceUnderTest;
  let smtp: TestSmtpServer;
  const address = uniqueAddress('accepted-once');
  const terminated: number[] = [];

  beforeAll(async () => {
    const smtpPort = await freePort();
    // The mail's transaction waits, idle, for the server's reply: end its connection, then accept the mail.
    smtp = await smtpServerOn(smtpPort, async (recipients) => {
      if (!recipients.includes(address) || terminated.length > 0) return;
      const rows = (await service.app.get(DataSource).query(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
      )) as { ended: boolean }[];
      terminated.push(rows.filter((row) => row.ended).length);
    });
    service = await startEmailService({ SMTP_PORT: String(smtpPort) });
  });
  afterAll(async () => {
    await service?.close();
    await smtp?.close();
  });

  it('records the accepted mail on the retry without sending it again', async () => {
    const { eventId } = await service.app
      .get(EventPublisher)
      .publish('new_user', { userId: randomUUID(), email: address, name: 'Once', locale: 'en' }, { version: 2 });

    const count = async (table: string): Promise<number> => {
      const [row] = (await service.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS count FROM ${table} WHERE event_id = $1`, [eventId])) as { count: number }[];
      return row.count;
    };
    await waitFor('the mail to be recorded after the lost commit', async () => (await count('sent_emails')) === 1);
    expect(terminated).toEqual([1]);
    expect(smtp.received.filter((to) => to === address)).toHaveLength(1);
    expect(await count('inbox')).toBe(1);
    expect(await topicSize(deadLetterTopic(service.app))).toBe(0);
  });
});
