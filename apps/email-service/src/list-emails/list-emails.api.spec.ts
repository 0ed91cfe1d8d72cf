// Issue 10: no query string may make GET /emails answer anything but a 400 naming the parameter, with one
// message saying what to fix; and its pages, keyset-cursored, list every mail once however they are cut.
import { randomUUID } from 'node:crypto';
import { encodeKeysetCursor } from '@kafka-platform/platform';
import { authHeaders } from '@kafka-platform/testing';
import { DataSource } from 'typeorm';
import { startEmailService } from '../../test/test-support/email-service-app';
import type { EmailServiceUnderTest } from '../../test/test-support/email-service-app';
import type { SentEmailView } from './list-emails.controller';

jest.setTimeout(60_000);

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; messages: string[] }[];
}

interface EmailsPage {
  items: SentEmailView[];
  nextCursor: string | null;
}

const NOT_A_CURSOR = 'after must be the nextCursor of an earlier page, unchanged';
// Well-formed cursors, checksum and all, around positions PostgreSQL would refuse with an error.
const forged = (at: string, id: string = randomUUID()) => encodeKeysetCursor({ at, id });

describe('GET /emails query parameters (in-process on the real stack)', () => {
  let service: EmailServiceUnderTest;

  beforeAll(async () => {
    service = await startEmailService();
  });
  afterAll(() => service?.close());

  const get = async (path: string) => fetch(`${service.url}${path}`, { headers: await authHeaders('ada') });

  it.each<[string, string, string]>([
    ['?limit=1&limit=2', 'limit', 'limit must be given once'],
    ['?limit=-1', 'limit', 'limit must be a whole number'],
    ['?limit=0', 'limit', 'limit must not be less than 1'],
    ['?limit=201', 'limit', 'limit must not be greater than 200'],
    ['?limit=99999999999999999999', 'limit', 'limit must not be greater than 200'],
    ['?limit=1e2', 'limit', 'limit must be a whole number'],
    ['?limit=0x10', 'limit', 'limit must be a whole number'],
    ['?limit=', 'limit', 'limit must be a whole number'],
    ['?limit=%ED%A0%80', 'limit', 'limit must be a whole number'],
    ['?limit=%00', 'limit', 'limit must be a whole number'],
    ['?limit[$gt]=0', 'limit[$gt]', 'property limit[$gt] should not exist'],
    ['?after=a&after=b', 'after', 'after must be given once'],
    ['?after=', 'after', NOT_A_CURSOR],
    ['?after=%00', 'after', NOT_A_CURSOR],
    ['?after=%ED%A0%80', 'after', NOT_A_CURSOR],
    ["?after=' OR 1=1 --", 'after', NOT_A_CURSOR],
    [`?after=${forged('0000-01-01T00:00:00.000000Z')}`, 'after', NOT_A_CURSOR],
    [`?after=${forged('2025-02-29T00:00:00.000000Z')}`, 'after', NOT_A_CURSOR],
    [`?after=${forged('2025-11-24T10:15:30.123456Z', 'not-a-uuid')}`, 'after', NOT_A_CURSOR],
    ['?after[$gt]=0', 'after[$gt]', 'property after[$gt] should not exist'],
  ])('%s is a 400 naming %s', async (query, field, message) => {
    const response = await get(`/emails${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual<ErrorBody>({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Validation failed',
      errors: [{ field, messages: [message] }],
    });
  });

  it('still takes plain digits, leading zeros included, and defaults to 50', async () => {
    expect((await get('/emails?limit=007')).status).toBe(200);
    expect((await get('/emails')).status).toBe(200);
  });

  describe('pages', () => {
    const page = async (query: string) => {
      const response = await get(`/emails${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as EmailsPage;
    };
    const walk = async (limit: number) => {
      let current = await page(`?limit=${limit}`);
      const pages = [current];
      while (current.nextCursor) {
        current = await page(`?limit=${limit}&after=${current.nextCursor}`);
        pages.push(current);
      }
      return pages;
    };
    const query = <T>(sql: string) => service.app.get(DataSource).query<T[]>(sql);

    beforeAll(async () => {
      // 40 mails of one transaction, so of one now(): pinned to one millisecond, three microseconds of it, with
      // the ties left to the id. A cursor that kept only milliseconds would skip the later microseconds.
      await query(`
        INSERT INTO sent_emails (event_id, user_id, recipient, subject, language, message_id, sent_at)
        SELECT gen_random_uuid(), gen_random_uuid()::text, 'burst' || n || '@example.com', 'Welcome', 'en',
               '<burst' || n || '@kafka-platform.local>',
               date_trunc('milliseconds', now()) + (n % 3) * interval '1 microsecond'
          FROM generate_series(1, 40) AS n`);
    });

    it('walks every mail exactly once, newest first, in pages of the limit', async () => {
      const expected = await query<{ id: string }>(`SELECT id FROM sent_emails ORDER BY sent_at DESC, id DESC`);
      const pages = await walk(7);
      const walked = pages.flatMap((one) => one.items.map((item) => item.id));
      expect(walked).toEqual(expected.map((row) => row.id));
      expect(new Set(walked).size).toBe(40);
      expect(pages.map((one) => one.items.length)).toEqual([7, 7, 7, 7, 7, 5]);
      expect(pages.at(-1)?.nextCursor).toBeNull();
    });

    it('answers nextCursor null on a last page that is exactly full', async () => {
      const pages = await walk(20);
      expect(pages.map((one) => one.items.length)).toEqual([20, 20]);
      expect(pages.map((one) => one.nextCursor === null)).toEqual([false, true]);
      expect(await page('')).toMatchObject({ nextCursor: null });
    });

    it('answers 400 naming after for a cursor tampered with, in the error shape of the platform', async () => {
      const cursor = (await page('?limit=1')).nextCursor ?? '';
      const tampered = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
      for (const after of [tampered, cursor.slice(0, -2), `${cursor}AA`]) {
        const response = await get(`/emails?after=${after}`);
        expect({ after, status: response.status }).toEqual({ after, status: 400 });
        expect(await response.json()).toEqual<ErrorBody>({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: [{ field: 'after', messages: [NOT_A_CURSOR] }],
        });
      }
    });
  });
});
