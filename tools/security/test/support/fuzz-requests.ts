// Malformed requests, generated from a seed so a failure can be replayed: every endpoint of every service, with
// broken JSON, wrong types, huge and deep bodies, hostile unicode, injection strings, bad ids, bad query values and
// bad headers. None of them is a valid change: the suite checks that nothing was written.

export interface FuzzRequest {
  readonly service: 'user-service' | 'email-service' | 'dashboard-service';
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Sent with the demo admin's token (added by the runner), so validation is reached, not only the guard. */
  readonly withToken: boolean;
}

/** mulberry32: small, fast and seedable; enough to pick cases. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Names the user-service must refuse: blank, NUL, lone surrogates, bidi controls, line breaks, control characters.
const REFUSED_NAMES = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '\u202etxt.exe',
  '\u2066isolate\u2069',
  'line\nbreak',
  'tab\there',
  '\u0007bell',
  '\u0085nel',
];

const HOSTILE_STRINGS = [
  ...REFUSED_NAMES,
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '%00',
  '%',
  '\\',
  '😀'.repeat(200),
  'é'.repeat(400),
  'x'.repeat(5000),
  '"quoted local"@example.com',
  'a@b',
  '@example.com',
  'user@',
  'user@@example.com',
  'user@exa mple.com',
  'user\r\nBcc: victim@example.com@example.com',
  'user@example.com\u0000',
];

const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1e308, 3.14, [], [1, 2], {}, { a: 1 }, 'x'.repeat(10)];

const BAD_JSON = [
  '{',
  '{"email":',
  '[1,2',
  'nul',
  '{"a":1,}',
  "{'a':1}",
  '\u0000',
  '{"a":"\\x41"}',
  '"string"',
  '123',
  'true',
  '[]',
];

const BAD_IDS = [
  'not-a-uuid',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '1%20OR%201%3D1',
  'x'.repeat(300),
  '00000000-0000-0000-0000-00000000000g',
  '%E0%A4%A',
  '%ED%A0%80',
  'DROP%20TABLE',
  '123',
];

const BAD_QUERY_VALUES = [
  '-1',
  '0',
  '101',
  '1e2',
  '0x10',
  'abc',
  '1.5',
  '99999999999999999999',
  '%00',
  '%E0',
  '',
  'x'.repeat(8000),
  '%F0%9F%98%80',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
];

// Values an HTTP client can send at all (fetch refuses NUL or line breaks in a header before sending).
const BAD_AUTHORIZATION = [
  'Bearer',
  'Bearer ',
  'Bearer a.b.c',
  'Bearer ' + 'A'.repeat(16_000),
  'Basic YWRhOmFkYQ==',
  'bearer x.y.z',
  'Bearer é.é.é',
  'Bearer eyJhbGciOiJub25lIn0.e30.',
];

export function generateRequests(seed: number, count: number): FuzzRequest[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const makers = [
    () => userBody(pick, next),
    () => userPatch(pick, next),
    () => userIdRequest(pick),
    () => listQuery(pick, 'user-service', '/users', ['limit', 'after', 'page', 'pageSize', 'x']),
    () => listQuery(pick, 'email-service', '/emails', ['limit', 'after', 'x']),
    () => dashboardRequest(pick),
    () => replayRequest(pick),
    () => badAuthorization(pick),
  ];
  return Array.from({ length: count }, () => pick(makers)());
}

type Pick = <T>(items: readonly T[]) => T;

/** A signup body that is never valid: at least one field broken. */
function userBody(pick: Pick, next: () => number): FuzzRequest {
  const body =
    next() < 0.3
      ? pick([...BAD_JSON, deep(4000), `{"name":"${'x'.repeat(120_000)}"}`])
      : JSON.stringify(
          next() < 0.5
            ? { email: pick(HOSTILE_STRINGS), name: pick([...HOSTILE_STRINGS, 'Valid Name']) }
            : { email: pick(WRONG_TYPES), name: pick(WRONG_TYPES), locale: pick(HOSTILE_STRINGS), extra: 1 },
        );
  return {
    service: 'user-service',
    method: 'POST',
    path: '/users',
    headers: { 'content-type': pick(CONTENT_TYPES) },
    body,
    withToken: next() < 0.5,
  };
}

/** A change that is never valid, to an id that does not exist or is malformed. */
function userPatch(pick: Pick, next: () => number): FuzzRequest {
  const body =
    next() < 0.4
      ? pick([...BAD_JSON, deep(4000)])
      : JSON.stringify({
          name: pick(REFUSED_NAMES),
          email: pick(WRONG_TYPES),
        });
  const id = next() < 0.5 ? crypto.randomUUID() : pick(BAD_IDS);
  return {
    service: 'user-service',
    method: 'PATCH',
    path: `/users/${id}`,
    headers: { 'content-type': pick(CONTENT_TYPES) },
    body,
    withToken: true,
  };
}

function userIdRequest(pick: Pick): FuzzRequest {
  return {
    service: 'user-service',
    method: pick(['GET', 'DELETE']),
    path: `/users/${pick(BAD_IDS)}`,
    headers: {},
    withToken: true,
  };
}

function listQuery(pick: Pick, service: FuzzRequest['service'], path: string, names: readonly string[]): FuzzRequest {
  const name = pick(names);
  const twice = pick([true, false]);
  const value = pick(BAD_QUERY_VALUES);
  const query = twice ? `${name}=${value}&${name}=${pick(BAD_QUERY_VALUES)}` : `${name}=${value}`;
  return { service, method: 'GET', path: `${path}?${query}`, headers: {}, withToken: true };
}

function dashboardRequest(pick: Pick): FuzzRequest {
  const path = pick([
    '/api/stats',
    '/api/consumer-groups',
    '/api/replay/status',
    '/auth-config.json',
    '/',
    '/dashboard.js',
    '/catalog',
  ]);
  const query = pick(['', `?x=${pick(BAD_QUERY_VALUES)}`, `?${pick(BAD_QUERY_VALUES)}`]);
  return {
    service: 'dashboard-service',
    method: pick(['GET', 'GET', 'HEAD', 'PUT', 'DELETE']),
    path: `${path}${query}`,
    headers: {},
    withToken: true,
  };
}

/** Never a replay that could start: a body that is not JSON, or no valid token. */
function replayRequest(pick: Pick): FuzzRequest {
  const bodyType = pick(CONTENT_TYPES.filter((type) => type !== 'application/json'));
  return pick([
    {
      service: 'dashboard-service',
      method: 'POST',
      path: '/api/replay',
      headers: { 'content-type': bodyType },
      body: pick(BAD_JSON),
      withToken: true,
    },
    {
      service: 'dashboard-service',
      method: 'POST',
      path: '/api/replay',
      headers: { 'content-type': 'application/json' },
      body: pick(BAD_JSON),
      withToken: true,
    },
    {
      service: 'dashboard-service',
      method: 'POST',
      path: '/api/replay',
      headers: {} as Record<string, string>,
      withToken: false,
    },
  ]);
}

function badAuthorization(pick: Pick): FuzzRequest {
  const [service, path] = pick([
    ['user-service', '/users'],
    ['email-service', '/emails'],
    ['dashboard-service', '/api/stats'],
    ['dashboard-service', '/api/stream'],
  ] as const);
  return { service, method: 'GET', path, headers: { authorization: pick(BAD_AUTHORIZATION) }, withToken: false };
}

const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
