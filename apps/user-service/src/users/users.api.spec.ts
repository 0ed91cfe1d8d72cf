import { randomUUID } from 'node:crypto';
import { DEVELOPMENT_KEY_ENCRYPTION_KEY, HEADER, openPersonalFields, unwrapDataKey } from '@kafka-platform/kafka';
import { authHeaders, uniqueName, waitFor } from '@kafka-platform/testing';
import { UserEventsReader, startUserService } from '../../test/test-support/user-service-under-test';
import type { UserServiceUnderTest } from '../../test/test-support/user-service-under-test';

jest.setTimeout(60_000);

interface UserBody {
  id: string;
  email: string;
  name: string;
  locale: string;
  createdAt: string;
  updatedAt: string;
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  errors?: { field: string; messages: string[] }[];
}

/** new_user v3 / user_updated v2 as decoded: personal fields empty, sealed in personalData. */
interface SealedUser {
  userId: string;
  email: string;
  name: string;
  locale: string;
  personalData: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const email = (prefix = 'user') => `${uniqueName(prefix)}@example.com`;

describe('users API (in-process on the real stack)', () => {
  let service: UserServiceUnderTest;
  let events: UserEventsReader;

  beforeAll(async () => {
    service = await startUserService();
    events = await UserEventsReader.start(service.app);
  });
  afterAll(async () => {
    await events?.stop();
    await service?.close();
  });

  // As the demo admin: these tests are about what the API does; who may do it is the security suite's.
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(await authHeaders('ada')), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const json = async <T>(response: Response) => (await response.json()) as T;
  const fieldsOf = (body: ErrorBody) => (body.errors ?? []).map((error) => error.field).sort();
  const createUser = async (fields: Partial<UserBody> = {}) => {
    const response = await send('POST', '/users', { email: email(), name: 'Ada Lovelace', ...fields });
    expect(response.status).toBe(201);
    return json<UserBody>(response);
  };
  /** An event's sealed personal fields, opened with the user's key as stored (the test runs on the development key). */
  const opened = async (type: string, decoded: unknown) => {
    const payload = decoded as SealedUser;
    const [row] = await service.query<{ wrapped_key: string }>(`SELECT wrapped_key FROM users WHERE id = $1`, [
      payload.userId,
    ]);
    const key = unwrapDataKey(DEVELOPMENT_KEY_ENCRYPTION_KEY, payload.userId, row?.wrapped_key ?? '');
    return openPersonalFields(key, payload.userId, type, payload.personalData ?? '');
  };
  const outboxRows = async () =>
    (await service.query<{ count: number }>(`SELECT count(*)::int AS count FROM outbox`))[0]?.count;

  describe('POST /users', () => {
    it('creates a user: 201 with the stored user, locale "en" by default', async () => {
      const address = email('create');
      const response = await send('POST', '/users', { email: address, name: 'Ada Lovelace' });
      expect(response.status).toBe(201);
      const user = await json<UserBody>(response);
      expect(user).toEqual({
        id: expect.stringMatching(UUID),
        email: address,
        name: 'Ada Lovelace',
        locale: 'en',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);
      expect(user.updatedAt).toBe(user.createdAt);
      const stored = await service.query(`SELECT email, name, locale FROM users WHERE id = $1`, [user.id]);
      expect(stored).toEqual([{ email: address, name: 'Ada Lovelace', locale: 'en' }]);
    });

    it('trims the name before checking its length and stores the locale in canonical case', async () => {
      const name = 'n'.repeat(100);
      const user = await createUser({ name: `  ${name}  `, locale: 'de-ch' });
      expect(user).toMatchObject({ name, locale: 'de-CH' });
    });

    it('publishes new_user v3 through the outbox, keyed by userId, its personal fields sealed, with the request correlation id', async () => {
      const correlationId = uniqueName('corr');
      const response = await send(
        'POST',
        '/users',
        { email: email('event'), name: 'Grace Hopper', locale: 'en-US' },
        { 'x-correlation-id': correlationId },
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('x-correlation-id')).toBe(correlationId);
      const user = await json<UserBody>(response);

      const event = await events.next(`new_user for ${user.id}`, (e) => e.key === user.id && e.type === 'new_user');
      expect({ ...(event.payload as SealedUser) }).toEqual({
        userId: user.id,
        email: '',
        name: '',
        locale: 'en-US',
        personalData: expect.any(String),
      });
      expect(event.record.value?.includes(user.email)).toBe(false);
      expect(await opened('new_user', event.payload)).toEqual({ email: user.email, name: 'Grace Hopper' });
      expect(event.record.headers).toMatchObject({
        [HEADER.eventId]: expect.stringMatching(UUID),
        [HEADER.eventType]: 'new_user',
        [HEADER.schemaVersion]: '3',
        [HEADER.correlationId]: correlationId,
      });
      expect(event.record.topic).toBe(`${service.namespace}.user-events`);
      // The relay marks the row sent once Kafka acknowledged it; the event id is the one the row was written with.
      const row = await waitFor('the outbox row marked sent', async () => {
        const [found] = await service.query<{ event_id: string; sent: boolean }>(
          `SELECT event_id, sent_at IS NOT NULL AS sent FROM outbox WHERE key = $1 AND event_type = 'new_user'`,
          [user.id],
        );
        return found?.sent && found;
      });
      expect(row.event_id).toBe(event.record.headers[HEADER.eventId]);
    });

    const valid = { email: 'valid@example.com', name: 'Valid Name' };
    it.each<[string, unknown, string[]]>([
      ['a malformed email', { ...valid, email: 'not-an-email' }, ['email']],
      ['a missing email', { name: 'No Mail' }, ['email']],
      ['an email that is not a string', { ...valid, email: 42 }, ['email']],
      ['an empty name', { ...valid, name: '' }, ['name']],
      ['a name of spaces only', { ...valid, name: '   ' }, ['name']],
      ['a name over 100 characters', { ...valid, name: 'n'.repeat(101) }, ['name']],
      ['a name that is not a string', { ...valid, name: ['Ada'] }, ['name']],
      ['a locale that is not a language tag', { ...valid, locale: 'english' }, ['locale']],
      ['a locale with an underscore', { ...valid, locale: 'en_US' }, ['locale']],
      ['a null locale', { ...valid, locale: null }, ['locale']],
      ['an unknown field', { ...valid, admin: true }, ['admin']],
      [
        'several bad fields at once',
        { email: 'x', name: '', locale: '?', role: 'root' },
        ['email', 'locale', 'name', 'role'],
      ],
      ['an empty object', {}, ['email', 'name']],
    ])('answers 400 for %s, naming the field', async (_case, body, fields) => {
      const response = await send('POST', '/users', body);
      expect(response.status).toBe(400);
      const error = await json<ErrorBody>(response);
      expect(error).toMatchObject({ statusCode: 400, error: 'Bad Request', message: 'Validation failed' });
      expect(fieldsOf(error)).toEqual(fields);
      // One message per field: what to fix, not every rule the value broke.
      for (const entry of error.errors ?? []) expect(entry.messages).toEqual([expect.any(String)]);
    });

    it.each<[string, string]>([
      ['malformed JSON', '{"email": "a@example.com", "name": '],
      ['a JSON array', '[]'],
      ['a JSON string', '"ada@example.com"'],
      ['JSON null', 'null'],
    ])('answers 400, never a 5xx, for %s', async (_case, raw) => {
      const response = await send('POST', '/users', raw);
      expect(response.status).toBe(400);
      expect(await json<ErrorBody>(response)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('answers 400 with the body named as the field for malformed JSON', async () => {
      const response = await send('POST', '/users', '{"email":');
      expect(await json<ErrorBody>(response)).toMatchObject({
        message: 'Malformed JSON body',
        errors: [{ field: 'body', messages: ['must be valid JSON'] }],
      });
    });

    it('answers 413 for a body over 100 KB', async () => {
      const response = await send('POST', '/users', { email: email(), name: 'x'.repeat(101 * 1024) });
      expect(response.status).toBe(413);
      expect(await json<ErrorBody>(response)).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('answers 415 for a body that is not JSON', async () => {
      const response = await send('POST', '/users', `email=${email()}&name=Ada`, { 'content-type': 'text/plain' });
      expect(response.status).toBe(415);
      expect(await json<ErrorBody>(response)).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    });

    it('answers 409 EMAIL_TAKEN for an email differing only in case, and writes no outbox row for it', async () => {
      const address = email('dup');
      await createUser({ email: address });
      const before = await outboxRows();
      const response = await send('POST', '/users', { email: address.toUpperCase(), name: 'Someone Else' });
      expect(response.status).toBe(409);
      expect(await json<ErrorBody>(response)).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'EMAIL_TAKEN',
        message: 'A user with this email already exists',
      });
      expect(await outboxRows()).toBe(before);
      const users = await service.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [address]);
      expect(users).toHaveLength(1);
    });

    it('lets exactly one of several concurrent sign-ups with one email through (the unique index decides)', async () => {
      const address = email('race');
      const responses = await Promise.all(
        ['', 'A', 'B', 'C', 'D'].map((suffix) =>
          send('POST', '/users', {
            email: suffix ? address.replace(/^./, (c) => c.toUpperCase()) : address,
            name: `Racer ${suffix}`,
          }),
        ),
      );
      expect(responses.map((response) => response.status).sort()).toEqual([201, 409, 409, 409, 409]);
      const rows = await service.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM outbox o JOIN users u ON o.key = u.id::text
          WHERE o.event_type = 'new_user' AND lower(u.email) = lower($1)`,
        [address],
      );
      expect(rows[0]?.count).toBe(1);
    });

    it('commits the user and its outbox row together: a failing outbox insert leaves no user behind', async () => {
      const address = email('atomic');
      // A real failure of the second write of the transaction, on the real database.
      await service.query(`
        CREATE FUNCTION refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'outbox refused by test'; END $$`);
      await service.query(
        `CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_outbox()`,
      );
      try {
        const response = await send('POST', '/users', { email: address, name: 'Half Written' });
        expect(response.status).toBe(500);
      } finally {
        await service.query(`DROP TRIGGER refuse_outbox ON outbox`);
        await service.query(`DROP FUNCTION refuse_outbox()`);
      }
      expect(await service.query(`SELECT id FROM users WHERE email = $1`, [address])).toEqual([]);
      // The address is free again: nothing of the failed attempt was committed.
      await createUser({ email: address });
    });
  });

  describe('GET /users/:id', () => {
    it('returns the user', async () => {
      const user = await createUser();
      const response = await send('GET', `/users/${user.id}`);
      expect(response.status).toBe(200);
      expect(await json<UserBody>(response)).toEqual(user);
    });

    it('answers 404 USER_NOT_FOUND for an unknown id', async () => {
      const id = randomUUID();
      const response = await send('GET', `/users/${id}`);
      expect(response.status).toBe(404);
      expect(await json<ErrorBody>(response)).toEqual({
        statusCode: 404,
        error: 'Not Found',
        code: 'USER_NOT_FOUND',
        message: `No user with id ${id}`,
      });
    });

    it.each(['not-a-uuid', '123', `${randomUUID()}x`])('answers 400 for the malformed id %s', async (id) => {
      const response = await send('GET', `/users/${id}`);
      expect(response.status).toBe(400);
      const error = await json<ErrorBody>(response);
      expect(fieldsOf(error)).toEqual(['id']);
    });
  });

  describe('GET /users', () => {
    interface UsersPage {
      items: UserBody[];
      nextCursor: string | null;
    }
    const page = async (query: string) => {
      const response = await send('GET', `/users${query}`);
      expect(response.status).toBe(200);
      return json<UsersPage>(response);
    };
    /** Every page from the first, following nextCursor; `between` runs after each page. */
    const walk = async (limit: number, between: () => Promise<unknown> = async () => undefined) => {
      let current = await page(`?limit=${limit}`);
      const pages = [current];
      while (current.nextCursor) {
        await between();
        current = await page(`?limit=${limit}&after=${current.nextCursor}`);
        pages.push(current);
      }
      return pages;
    };
    const idsInOrder = async () =>
      (await service.query<{ id: string }>(`SELECT id FROM users ORDER BY created_at DESC, id DESC`)).map(
        (row) => row.id,
      );

    it('pages newest first, each nextCursor leading to the page after', async () => {
      const [first, second, third] = [await createUser(), await createUser(), await createUser()];

      const one = await page('?limit=2');
      expect(one.items.map((user) => user.id)).toEqual([third?.id, second?.id]);
      expect(one.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const two = await page(`?limit=2&after=${one.nextCursor}`);
      expect(two.items[0]).toEqual(first);
      expect(Object.keys(two).sort()).toEqual(['items', 'nextCursor']);
    });

    it('walks a burst of users created within one millisecond: every user exactly once, in order', async () => {
      const burst = await Promise.all(Array.from({ length: 36 }, () => createUser()));
      // Pinned to one millisecond, three microseconds of it: a cursor that kept only milliseconds (a JS Date)
      // would skip the later microseconds, and the ties are left to the id to break.
      await service.query(
        `WITH burst AS (SELECT id, row_number() OVER (ORDER BY id) % 3 AS micro FROM users WHERE id = ANY($1::uuid[])),
              instant AS (SELECT date_trunc('milliseconds', min(created_at)) AS at FROM users WHERE id = ANY($1::uuid[]))
         UPDATE users SET created_at = instant.at + burst.micro * interval '1 microsecond'
           FROM burst, instant WHERE users.id = burst.id`,
        [burst.map((user) => user.id)],
      );
      const expected = await idsInOrder();

      // Users signing up meanwhile are newer than the cursor: they neither repeat anyone nor push anyone out.
      const pages = await walk(7, () => createUser());
      const walked = pages.flatMap((one) => one.items.map((user) => user.id));
      expect(walked).toEqual(expected);
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(expect.arrayContaining(burst.map((user) => user.id)));
      expect(pages.slice(0, -1).every((one) => one.items.length === 7)).toBe(true);
      expect(pages.at(-1)?.nextCursor).toBeNull();
    });

    it('answers nextCursor null on a last page that is exactly full, without a page more', async () => {
      if ((await idsInOrder()).length % 2 === 1) await createUser();
      const count = (await idsInOrder()).length;
      const limits = Array.from({ length: 99 }, (_, index) => index + 2);
      const limit = Math.max(...limits.filter((candidate) => count % candidate === 0));
      const pages = await walk(limit);
      expect(pages).toHaveLength(count / limit);
      expect(pages.at(-1)?.items).toHaveLength(limit);
      expect(pages.at(-1)?.nextCursor).toBeNull();
    });

    it('defaults to 20 per page and allows up to 100', async () => {
      const count = (await idsInOrder()).length;
      expect((await page('')).items).toHaveLength(Math.min(20, count));
      expect((await page('?limit=100')).items).toHaveLength(Math.min(100, count));
    });

    it('answers 400 naming after for a cursor tampered with, in the error shape of the platform', async () => {
      await createUser();
      const { nextCursor } = await page('?limit=1');
      const cursor = nextCursor ?? '';
      const tampered = `${cursor.slice(0, 20)}${cursor[20] === 'A' ? 'B' : 'A'}${cursor.slice(21)}`;
      for (const after of [tampered, cursor.slice(0, -2), `${cursor}AA`, 'bm90LWEtY3Vyc29y']) {
        const response = await send('GET', `/users?after=${after}`);
        expect({ after, status: response.status }).toEqual({ after, status: 400 });
        expect(await json<ErrorBody>(response)).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: [{ field: 'after', messages: ['must be the nextCursor of an earlier page, unchanged'] }],
        });
      }
    });

    it.each<[string, string]>([
      ['?limit=101', 'limit'],
      ['?limit=0', 'limit'],
      ['?limit=ten', 'limit'],
      ['?limit=1.5', 'limit'],
      ['?limit=1e300', 'limit'],
      ['?page=2', 'page'],
      ['?pageSize=10', 'pageSize'],
      ['?sort=name', 'sort'],
      ['?after=', 'after'],
    ])('answers 400 for %s, naming %s', async (query, field) => {
      const response = await send('GET', `/users${query}`);
      expect(response.status).toBe(400);
      expect(fieldsOf(await json<ErrorBody>(response))).toEqual([field]);
    });
  });

  describe('PATCH /users/:id', () => {
    it('changes the given fields and publishes user_updated with the whole new state', async () => {
      const user = await createUser({ locale: 'en' });
      const correlationId = uniqueName('corr');
      const response = await send(
        'PATCH',
        `/users/${user.id}`,
        { name: '  Ada King  ', locale: 'fr-ch' },
        { 'x-correlation-id': correlationId },
      );
      expect(response.status).toBe(200);
      const updated = await json<UserBody>(response);
      expect(updated).toMatchObject({ id: user.id, email: user.email, name: 'Ada King', locale: 'fr-CH' });
      expect(updated.createdAt).toBe(user.createdAt);
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(user.updatedAt));
      expect(await json<UserBody>(await send('GET', `/users/${user.id}`))).toEqual(updated);

      const event = await events.next(
        `user_updated for ${user.id}`,
        (e) => e.key === user.id && e.type === 'user_updated',
      );
      expect({ ...(event.payload as SealedUser), personalData: null }).toEqual({
        userId: user.id,
        email: '',
        name: '',
        locale: 'fr-CH',
        personalData: null,
      });
      expect(await opened('user_updated', event.payload)).toEqual({ email: user.email, name: 'Ada King' });
      expect(event.record.headers[HEADER.correlationId]).toBe(correlationId);
    });

    it('answers 409 EMAIL_TAKEN for another user’s email (any case) and publishes nothing', async () => {
      const taken = await createUser();
      const user = await createUser();
      const before = await outboxRows();
      const response = await send('PATCH', `/users/${user.id}`, { email: taken.email.toUpperCase() });
      expect(response.status).toBe(409);
      expect(await json<ErrorBody>(response)).toMatchObject({ code: 'EMAIL_TAKEN' });
      expect(await outboxRows()).toBe(before);
      expect(await json<UserBody>(await send('GET', `/users/${user.id}`))).toEqual(user);
    });

    it('lets a user change the case of their own email', async () => {
      const user = await createUser();
      const response = await send('PATCH', `/users/${user.id}`, { email: user.email.toUpperCase() });
      expect(response.status).toBe(200);
      expect(await json<UserBody>(response)).toMatchObject({ email: user.email.toUpperCase() });
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await send('PATCH', `/users/${randomUUID()}`, { name: 'Nobody' });
      expect(missing.status).toBe(404);
      expect(await json<ErrorBody>(missing)).toMatchObject({ code: 'USER_NOT_FOUND' });
      const malformed = await send('PATCH', '/users/42', { name: 'Nobody' });
      expect(malformed.status).toBe(400);
      expect(fieldsOf(await json<ErrorBody>(malformed))).toEqual(['id']);
    });

    it.each<[string, unknown, string[]]>([
      ['an empty body', {}, ['body']],
      ['a null name', { name: null }, ['name']],
      ['a name over 100 characters', { name: 'n'.repeat(101) }, ['name']],
      ['a malformed email', { email: 'nope' }, ['email']],
      ['a bad locale', { locale: 'en_GB' }, ['locale']],
      ['an unknown field', { id: randomUUID() }, ['id']],
    ])('answers 400 for %s', async (_case, body, fields) => {
      const user = await createUser();
      const response = await send('PATCH', `/users/${user.id}`, body);
      expect(response.status).toBe(400);
      expect(fieldsOf(await json<ErrorBody>(response))).toEqual(fields);
    });

    it('publishes nothing when nothing changes', async () => {
      const user = await createUser();
      const before = await outboxRows();
      const response = await send('PATCH', `/users/${user.id}`, { name: user.name, locale: user.locale });
      expect(response.status).toBe(200);
      expect(await json<UserBody>(response)).toEqual(user);
      expect(await outboxRows()).toBe(before);
    });
  });

  describe('DELETE /users/:id', () => {
    it('deletes the user (204), publishes user_deleted after its earlier events, and GET is then 404', async () => {
      const user = await createUser();
      expect((await send('PATCH', `/users/${user.id}`, { name: 'Short Lived' })).status).toBe(200);
      const response = await send('DELETE', `/users/${user.id}`);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect((await send('GET', `/users/${user.id}`)).status).toBe(404);

      const event = await events.next(
        `user_deleted for ${user.id}`,
        (e) => e.key === user.id && e.type === 'user_deleted',
      );
      expect(event.payload).toEqual({ userId: user.id });
      expect(events.ofKey(user.id).map((e) => e.type)).toEqual(['new_user', 'user_updated', 'user_deleted']);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      const missing = await send('DELETE', `/users/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(await json<ErrorBody>(missing)).toMatchObject({ code: 'USER_NOT_FOUND' });
      expect((await send('DELETE', '/users/abc')).status).toBe(400);
    });
  });
});
