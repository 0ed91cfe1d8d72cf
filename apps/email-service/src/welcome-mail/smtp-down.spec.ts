import { randomUUID } from 'node:crypto';
import { DLQ_HEADER, EventPublisher, HEADER } from '@kafka-platform/kafka';
import { readTopic, waitFor } from '@kafka-platform/testing';
import type { TopicRecord } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import {
  closedPort,
  deadLetterTopic,
  startEmailService,
  uniqueAddress,
} from '../../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../../test/test-support/email-service-app';
import { mailsTo } from '../../test/test-support/mail-sink';

jest.setTimeout(60_000);

// Its own app (own namespace and database): SMTP_PORT points at a port nothing listens on.
describe('email-service with the SMTP server down', () => {
  let service: EmailServiceUnderTest;

  beforeAll(async () => {
    service = await startEmailService({ SMTP_PORT: String(await closedPort()), KAFKA_HANDLER_MAX_ATTEMPTS: '3' });
  });
  afterAll(() => service?.close());

  const count = async (sql: string, eventId: string): Promise<number> => {
    const [row] = (await service.app.get(DataSource).query(sql, [eventId])) as { count: number }[];
    return row.count;
  };

  it('retries the welcome mail, dead-letters it with the SMTP error, records nothing, and goes on', async () => {
    const publisher = service.app.get(EventPublisher);
    const userId = randomUUID();
    const address = uniqueAddress('unlucky');
    const failed = await publisher.publish(
      'new_user',
      { userId, email: address, name: 'Unlucky', locale: 'en' },
      { version: 2 },
    );

    const isFailed = (record: TopicRecord) => record.headers[HEADER.eventId] === failed.eventId;
    const deadLetter = (await readTopic(deadLetterTopic(service.app), (records) => records.some(isFailed))).find(
      isFailed,
    ) as TopicRecord;

    expect(deadLetter.topic).toBe(`${service.namespace}.user-events.email-service.dlq`);
    expect(deadLetter.key).toBe(userId);
    expect(deadLetter.headers).toMatchObject({
      [HEADER.eventType]: 'new_user',
      [DLQ_HEADER.errorCode]: 'SMTP_UNAVAILABLE',
      [DLQ_HEADER.errorClass]: 'TransientError',
      [DLQ_HEADER.retryable]: 'true',
      [DLQ_HEADER.attempts]: '3',
      [DLQ_HEADER.group]: `${service.namespace}.email-service`,
      [DLQ_HEADER.sourceTopic]: `${service.namespace}.user-events`,
      [DLQ_HEADER.sourcePartition]: String(failed.partition),
      [DLQ_HEADER.sourceOffset]: failed.offset,
    });
    expect(deadLetter.headers[DLQ_HEADER.errorMessage]).toContain('ECONNREFUSED');
    // The failed attempts rolled back: no sent mail recorded, no inbox row that would swallow a redrive.
    expect(await count(`SELECT count(*)::int AS count FROM sent_emails WHERE event_id = $1`, failed.eventId)).toBe(0);
    expect(await count(`SELECT count(*)::int AS count FROM inbox WHERE event_id = $1`, failed.eventId)).toBe(0);

    // The next event of the same user (same key, same partition) is not blocked behind the failed one.
    const next = await publisher.publish('user_deleted', { userId }, { version: 1 });
    expect(next.partition).toBe(failed.partition);
    await waitFor('the next event on the partition to be handled', async () => {
      const handled = await count(`SELECT count(*)::int AS count FROM inbox WHERE event_id = $1`, next.eventId);
      return handled === 1;
    });
    expect(await mailsTo(address)).toEqual([]);
  });
});
