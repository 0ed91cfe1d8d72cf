// Issue 10, "input that cannot hurt": malformed requests a new user could send answered 500 (PostgreSQL refusing
// NUL, the outbox's JSON refusing a lone surrogate, isEmail throwing URIError, a deep body overflowing the
// stack). Each must be a 400 naming what to fix, in the platform's error shape, with nothing written.
import { randomUUID } from 'node:crypto';
import { encodeKeysetCursor } from '@kafka-platform/platform';
import { authHeaders, uniqueName } from '@kafka-platform/testing';
import { startUserService } from '../../test/test-support/user-service-under-test';
import type { UserServiceUnderTest } from '../../test/test-support/user-service-under-test';

jest.setTimeout(60_000);

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors?: { field: string; messages: string[] }[];
}

interface UserBody {
  id: string;
  email: string;
  name: string;
  locale: string;
}

const email = () => `${uniqueName('hostile')}@example.com`;
// 4,000 levels, as measured in the issue: well under the 100 KB limit, and JSON.parse takes it.
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('input that cannot hurt (in-process on the real stack)', () => {
  let service: UserServiceUnderTest;

  beforeAll(async () => {
    service = await startUserService();
  });
  afterAll(() => service?.close());

  // As the demo admin, so every endpoint gets as far as reading its input.
  const send = async (method: string, path: string, body?: unknown) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(await authHeaders('ada')) },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const count = async (table: 'users' | 'outbox') =>
    (await service.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`))[0]?.count;
  const createUser = async (): Promise<UserBody> => {
    const response = await send('POST', '/users', { email: email(), name: 'Ada Lovelace' });
    expect(response.status).toBe(201);
    return (await response.json()) as UserBody;
  };

  /** Sends the request and expects a 400 naming exactly `field`, with no user and no outbox row written. */
  async function expectRefused(method: string, path: string, body: unknown, field: string): Promise<ErrorBody> {
    const [users, outbox] = [await count('users'), await count('outbox')];
    const response = await send(method, path, body);
    const error = (await response.json()) as ErrorBody;
    expect({ status: response.status, error }).toMatchObject({
      status: 400,
      error: { statusCode: 400, error: 'Bad Request', message: expect.any(String) },
    });
    expect(error.errors?.map((entry) => entry.field)).toEqual([field]);
    expect(error.errors?.[0]?.messages).toEqual([expect.any(String)]);
    expect([await count('users'), await count('outbox')]).toEqual([users, outbox]);
    return error;
  }

  describe('POST /users', () => {
    it.each<[string, string, string]>([
      ['a NUL in the name', 'Ada\u0000Lovelace', 'control characters'],
      ['a lone surrogate in the name', 'Ada\ud800', 'lone surrogate'],
      ['a tab in the name', 'Ada\tLovelace', 'control characters'],
      ['a line break in the name', 'Ada\nLovelace', 'control characters'],
      ['a C1 control in the name', 'Ada\u009bLovelace', 'control characters'],
      ['a right-to-left override in the name', 'Ada\u202eecalevoL', 'bidirectional'],
      ['an isolate in the name', 'Ada\u2067Lovelace', 'bidirectional'],
      ['a name of 100 characters but over 300 bytes', '😀'.repeat(76), '300 bytes'],
    ])('%s is a 400, not a 500', async (_case, name, problem) => {
      const error = await expectRefused('POST', '/users', { email: email(), name }, 'name');
      expect(error.errors?.[0]?.messages[0]).toContain(problem);
    });

    it.each<[string, string, string]>([
      ['a lone surrogate in the email (isEmail threw URIError)', 'ada\ud800@example.com', 'lone surrogate'],
      ['a lone surrogate in the email domain', 'ada@exam\udfffple.com', 'lone surrogate'],
      ['a quoted local part', '"ada lovelace"@example.com', 'quoted local part'],
      ['a control character in the email', 'ada\u0001@example.com', 'control characters'],
      ['a header injected into the email', 'ada@example.com\r\nBcc: all@example.com', 'control characters'],
      ['a zero-width space in the email', 'ada\u200b@example.com', 'invisible'],
      ['an email over 254 bytes', `${'ö'.repeat(30)}@${'ä'.repeat(60)}.${'ö'.repeat(40)}.example`, '254 bytes'],
    ])('%s is a 400, not a 500', async (_case, address, problem) => {
      const error = await expectRefused('POST', '/users', { email: address, name: 'Ada Lovelace' }, 'email');
      expect(error.errors?.[0]?.messages[0]).toContain(problem);
    });

    it.each<[string, string]>([
      ['a body nested 4,000 arrays deep (stack overflow in the validation pipe)', `{"tags":${deepArray(4000)}}`],
      ['a body nested 4,000 objects deep', deepObject(4000)],
      ['a body as deep as 100 KB allows', `{"name":${deepArray(50_000)}}`],
      ['a body one level over the limit of 8', deepObject(9)],
    ])('%s is a 400 naming the body, before validation', async (_case, raw) => {
      const error = await expectRefused('POST', '/users', raw, 'body');
      expect(error.message).toBe('The body may nest objects and arrays at most 8 deep');
    });

    it('still validates a body nested exactly to the limit, field by field', async () => {
      const response = await send('POST', '/users', `{"email":"${email()}","name":"Ada","extra":${deepObject(7)}}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).errors?.map((entry) => entry.field)).toEqual(['extra']);
    });

    it('accepts names and addresses in any script, emoji and joiners included', async () => {
      for (const [name, address] of [
        ['Zoë Ōkubo-Nguyễn', email()],
        ['محمد\u200cرضا', `jösé.${uniqueName('utf8')}@exämple.com`],
        ['👩\u200d💻 Ada', email()],
        ['界'.repeat(100), email()],
      ]) {
        const response = await send('POST', '/users', { email: address, name });
        expect({ name, status: response.status }).toEqual({ name, status: 201 });
      }
    });
  });

  describe('PATCH /users/:id', () => {
    it.each<[string, unknown, string]>([
      ['a NUL in the name', { name: 'Ada\u0000' }, 'name'],
      ['a lone surrogate in the name', { name: '\udc00Ada' }, 'name'],
      ['a lone surrogate in the email', { email: 'ada\ud83d@example.com' }, 'email'],
      ['a quoted local part', { email: '"a@b"@example.com' }, 'email'],
      ['a bidirectional mark in the name', { name: 'Ada\u200f' }, 'name'],
      ['a body nested 4,000 deep', `{"name":${deepArray(4000)}}`, 'body'],
    ])('%s is a 400, not a 500, and leaves the user as it was', async (_case, body, field) => {
      const user = await createUser();
      await expectRefused('PATCH', `/users/${user.id}`, body, field);
      const stored = await service.query(`SELECT email, name FROM users WHERE id = $1`, [user.id]);
      expect(stored).toEqual([{ email: user.email, name: user.name }]);
    });
  });

  describe('path ids', () => {
    it.each<[string, string]>([
      ['a NUL', '%00'],
      ['an emoji', '%F0%9F%98%80'],
      ['the replacement character', '%EF%BF%BD'],
      ['5,000 characters', 'a'.repeat(5000)],
      ['a UUID followed by a NUL', `${randomUUID()}%00`],
      ['a path traversal', '..%2F..%2Fetc'],
    ])('GET, PATCH and DELETE answer 400 naming the id for %s', async (_case, id) => {
      await expectRefused('GET', `/users/${id}`, undefined, 'id');
      await expectRefused('PATCH', `/users/${id}`, { name: 'Nobody' }, 'id');
      await expectRefused('DELETE', `/users/${id}`, undefined, 'id');
    });

    // Express itself refuses an id that is not valid percent-encoded UTF-8 (a lone surrogate cannot be encoded).
    it.each(['%ED%A0%80', '%E0', '%'])('answers 400, never a 500, for the undecodable id %s', async (id) => {
      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const response = await send(method, `/users/${id}`, method === 'PATCH' ? { name: 'Nobody' } : undefined);
        expect({ method, status: response.status }).toEqual({ method, status: 400 });
      }
    });
  });

  describe('GET /users query parameters', () => {
    const notACursor = 'must be the nextCursor of an earlier page, unchanged';
    // Well-formed cursors, checksum and all, around positions PostgreSQL would refuse with an error.
    const forged = (at: string, id: string = randomUUID()) => encodeKeysetCursor({ at, id });

    it.each<[string, string, string]>([
      ['?limit=10&limit=20', 'limit', 'must be given once'],
      ['?limit=-5', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=99999999999999999999', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=1e2', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=0x10', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=%2010', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=%ED%A0%80', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit=%00', 'limit', 'must be a whole number from 1 to 100'],
      ['?limit[$gt]=0', 'limit[$gt]', 'property limit[$gt] should not exist'],
      ['?after=a&after=b', 'after', 'must be given once'],
      ['?after=', 'after', notACursor],
      ['?after=%00', 'after', notACursor],
      ['?after=%ED%A0%80', 'after', notACursor],
      [`?after=${'A'.repeat(5000)}`, 'after', notACursor],
      ["?after=' OR 1=1 --", 'after', notACursor],
      [`?after=${forged('0000-01-01T00:00:00.000000Z')}`, 'after', notACursor],
      [`?after=${forged('2025-02-30T00:00:00.000000Z')}`, 'after', notACursor],
      [`?after=${forged('2025-11-24T10:15:30.123456Z', 'not-a-uuid')}`, 'after', notACursor],
      ['?after[$gt]=0', 'after[$gt]', 'property after[$gt] should not exist'],
    ])('%s is a 400 naming %s', async (query, field, message) => {
      const error = await expectRefused('GET', `/users${query}`, undefined, field);
      expect(error.errors?.[0]?.messages).toEqual([message]);
    });

    it('still takes plain digits, leading zeros included, and a cursor of a position no user holds', async () => {
      await createUser();
      const response = await send('GET', '/users?limit=007');
      expect(response.status).toBe(200);
      expect(((await response.json()) as { items: unknown[] }).items.length).toBeLessThanOrEqual(7);
      const nowhere = await send('GET', `/users?after=${forged('1970-01-01T00:00:00.000000Z')}`);
      expect(nowhere.status).toBe(200);
      expect(await nowhere.json()).toEqual({ items: [], nextCursor: null });
    });
  });
});
