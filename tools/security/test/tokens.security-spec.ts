// Who gets in: every protected endpoint of the three services, as processes on the real stack, against tokens of
// the stack's Keycloak: none, forged ones (each failing one check), a valid one without the role, and the right one.
import { DEMO_USERS, PlatformUnderTest, authHeaders, uniqueName, waitFor } from '@kafka-platform/testing';
import type { DemoUser, ServiceName } from '@kafka-platform/testing';
import { forgeTokens } from './support/forged-tokens';
import type { ForgedTokens } from './support/forged-tokens';

interface Endpoint {
  readonly name: string;
  readonly service: ServiceName;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path; `target` is a user the test created for this endpoint's case. */
  readonly path: (target: string) => string;
  readonly body?: unknown;
  /** A demo user whose token is enough (2xx). */
  readonly allowed: DemoUser;
  /** A demo user with a valid token but not the role (403); none where any valid token is enough. */
  readonly refused?: DemoUser;
  /** The target is the signed-up user of this demo user (the "own record" rule). */
  readonly own?: boolean;
}

const ENDPOINTS: readonly Endpoint[] = [
  { name: 'list users', service: 'user-service', method: 'GET', path: () => '/users', allowed: 'vera', refused: 'sam' },
  {
    name: "get someone's user",
    service: 'user-service',
    method: 'GET',
    path: (id) => `/users/${id}`,
    allowed: 'vera',
    refused: 'sam',
  },
  {
    name: 'get own user',
    service: 'user-service',
    method: 'GET',
    path: (id) => `/users/${id}`,
    allowed: 'sam',
    own: true,
  },
  {
    name: "change someone's user",
    service: 'user-service',
    method: 'PATCH',
    path: (id) => `/users/${id}`,
    body: { name: 'Changed' },
    allowed: 'ada',
    refused: 'vera',
  },
  {
    name: 'change own user',
    service: 'user-service',
    method: 'PATCH',
    path: (id) => `/users/${id}`,
    body: { name: 'Changed' },
    allowed: 'sam',
    own: true,
  },
  {
    name: "delete someone's user",
    service: 'user-service',
    method: 'DELETE',
    path: (id) => `/users/${id}`,
    allowed: 'ada',
    refused: 'vera',
  },
  {
    name: 'list sent mails',
    service: 'email-service',
    method: 'GET',
    path: () => '/emails',
    allowed: 'ada',
    refused: 'vera',
  },
  { name: 'dashboard stats', service: 'dashboard-service', method: 'GET', path: () => '/api/stats', allowed: 'sam' },
  {
    name: 'consumer lag',
    service: 'dashboard-service',
    method: 'GET',
    path: () => '/api/consumer-groups',
    allowed: 'sam',
  },
  { name: 'live stream', service: 'dashboard-service', method: 'GET', path: () => '/api/stream', allowed: 'sam' },
  {
    name: 'replay status',
    service: 'dashboard-service',
    method: 'GET',
    path: () => '/api/replay/status',
    allowed: 'ada',
    refused: 'vera',
  },
  {
    name: 'start a replay',
    service: 'dashboard-service',
    method: 'POST',
    path: () => '/api/replay',
    allowed: 'ada',
    refused: 'vera',
  },
];

describe('bearer tokens on every protected endpoint (three services, real Keycloak)', () => {
  let platform: PlatformUnderTest;
  let forged: ForgedTokens;
  let release: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    // No clock tolerance: the expired token is a second past its `exp`, not thirty.
    platform = await PlatformUnderTest.start({ env: { OIDC_CLOCK_TOLERANCE_SECONDS: '0' } });
    ({ tokens: forged, release } = await forgeTokens());
  }, 180_000);
  afterAll(async () => {
    await release();
    await platform?.close();
  });

  /** A user of the user-service to act on: the demo user's own record, or someone else's. */
  const target = async (endpoint: Endpoint): Promise<string> => {
    const email = endpoint.own ? DEMO_USERS[endpoint.allowed].email : `${uniqueName('target')}@example.com`;
    const existing = await existingUser(email);
    return existing ?? (await platform.createUser({ email, name: 'Target' })).id;
  };
  const existingUser = async (email: string): Promise<string | undefined> => {
    const [row] = await platform.databases['user-service'].query<{ id: string }>(
      'SELECT id FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    return row?.id;
  };

  const call = async (endpoint: Endpoint, id: string, authorization?: string) => {
    const response = await fetch(`${platform.services[endpoint.service].url}${endpoint.path(id)}`, {
      method: endpoint.method,
      headers: {
        ...(endpoint.body !== undefined && { 'content-type': 'application/json' }),
        ...(authorization && { authorization }),
      },
      ...(endpoint.body !== undefined && { body: JSON.stringify(endpoint.body) }),
      signal: AbortSignal.timeout(10_000),
    });
    // The stream would stay open: its status and headers are the answer.
    if (endpoint.path(id) === '/api/stream') await response.body?.cancel();
    else await response.arrayBuffer();
    return response;
  };

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: no token and every forged token → 401 with a Bearer challenge; nothing changed',
    async (_name, endpoint) => {
      const id = await target(endpoint);
      const attempts: Record<string, string | undefined> = {
        'no token': undefined,
        'not a bearer scheme': `Basic ${Buffer.from('ada:ada-demo-password').toString('base64')}`,
        expired: `Bearer ${forged.expired}`,
        'wrong issuer': `Bearer ${forged.wrongIssuer}`,
        'wrong audience': `Bearer ${forged.wrongAudience}`,
        'alg none': `Bearer ${forged.algNone}`,
        'HS256 with the public key': `Bearer ${forged.hs256WithPublicKey}`,
        'signed by another key': `Bearer ${forged.otherKey}`,
      };
      const answers: Record<string, string> = {};
      for (const [attempt, authorization] of Object.entries(attempts)) {
        const response = await call(endpoint, id, authorization);
        answers[attempt] = `${response.status} ${response.headers.get('www-authenticate')?.split(' ')[0] ?? '-'}`;
      }
      expect(answers).toEqual(Object.fromEntries(Object.keys(attempts).map((attempt) => [attempt, '401 Bearer'])));
      if (endpoint.service === 'user-service' && endpoint.method !== 'GET') {
        const [user] = await platform.databases['user-service'].query<{ name: string }>(
          'SELECT name FROM users WHERE id = $1',
          [id],
        );
        expect(user?.name).toBe('Target');
      }
    },
  );

  it.each(ENDPOINTS.filter((e) => e.refused).map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: a valid token without the role → 403',
    async (_name, endpoint) => {
      const id = await target(endpoint);
      const response = await call(endpoint, id, (await authHeaders(endpoint.refused)).authorization);
      expect(response.status).toBe(403);
    },
  );

  it.each(ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s: the right token → 2xx',
    async (_name, endpoint) => {
      const id = await target(endpoint);
      const response = await call(endpoint, id, (await authHeaders(endpoint.allowed)).authorization);
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.status).toBeLessThan(300);
      if (endpoint.path(id) === '/api/replay') await replayFinished();
    },
  );

  it('leaves the health probes and the signup open', async () => {
    for (const service of ['user-service', 'email-service', 'dashboard-service'] as const) {
      for (const probe of ['/health/live', '/health/ready']) {
        const status = (await fetch(`${platform.services[service].url}${probe}`)).status;
        expect({ service, probe, status }).toEqual({ service, probe, status: 200 });
      }
    }
    const signup = await platform.signUp({ email: `${uniqueName('open')}@example.com`, name: 'Open' });
    expect(signup.status).toBe(201);
  });

  async function replayFinished(): Promise<void> {
    await waitFor('the replay to finish', async () => {
      const status = await platform.json<{ state: string }>('dashboard-service', '/api/replay/status');
      return status.state !== 'building';
    });
  }
});
