import { ManagementServer } from '@kafka-platform/platform';
import { freePort } from '@kafka-platform/testing';
import { startUserService } from '../test/test-support/user-service-under-test';
import type { UserServiceUnderTest } from '../test/test-support/user-service-under-test';

jest.setTimeout(60_000);

describe('user-service (in-process on the real stack)', () => {
  let service: UserServiceUnderTest;
  const get = (path: string) => fetch(`${service.url}${path}`);
  const management = () => service.app.get(ManagementServer).url;
  const getManagement = (path: string) => fetch(`${management()}${path}`);

  beforeAll(async () => {
    service = await startUserService();
  });
  afterAll(() => service?.close());

  it('answers GET /health/live with status ok', async () => {
    const response = await get('/health/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('is ready when its database answers: Kafka and the registry are what its outbox waits for', async () => {
    const response = await get('/health/ready');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; info: Record<string, unknown> };
    expect(body).toEqual(expect.objectContaining({ status: 'ok', info: { database: { status: 'up' } } }));
  });

  it('ran its migrations: users with a case-insensitive unique email index, and the outbox', async () => {
    const tables = await service.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(['outbox', 'users']));
    const [index] = await service.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'users_email_lower_key'`,
    );
    expect(index?.indexdef).toMatch(/UNIQUE INDEX .* \(lower\(email\)\)/);
  });

  it('exposes the outbox gauges on /metrics, on the management port', async () => {
    const response = await getManagement('/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^outbox_pending_rows\{service="user-service"\} \d+$/m);
    expect(text).toMatch(/^outbox_oldest_pending_age_seconds\{service="user-service"\} [\d.]+$/m);
  });

  it('serves the OpenAPI document at /docs-json with every /users operation, on the management port', async () => {
    const response = await getManagement('/docs-json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
      security?: unknown[];
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(Object.keys(document.paths['/users'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/users/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(document.paths['/users']?.['post']?.responses ?? {}).sort()).toEqual(
      ['201', '400', '409', '413', '415'].sort(),
    );
    expect(document.components.schemas['CreateUserDto']?.required?.sort()).toEqual(['email', 'name']);
    // Every operation needs a bearer token but the signup, which says so.
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/users']?.['post']?.security).toEqual([]);
    expect(Object.keys(document.paths['/users/{id}']?.['patch']?.responses ?? {}).sort()).toEqual(
      ['200', '400', '404', '409', '413', '415'].sort(),
    );
  });

  it('serves neither /metrics nor /docs on the API port', async () => {
    for (const path of ['/metrics', '/docs', '/docs-json']) {
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 404 });
    }
  });

  it('serves Swagger UI at /docs with its assets from this service, not a CDN', async () => {
    const response = await getManagement('/docs');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((asset) => /^(https?:)?\/\//.test(asset))).toEqual([]);
    for (const asset of assets) {
      const served = await fetch(new URL(asset, `${management()}/docs`));
      expect({ asset, status: served.status }).toEqual({ asset, status: 200 });
    }
  });
});

describe('user-service started while Kafka and the registry do not answer', () => {
  let service: UserServiceUnderTest;

  beforeAll(async () => {
    const started = Date.now();
    service = await startUserService({
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${await freePort()}/apis/ccompat/v7`,
    });
    startedInMs = Date.now() - started;
  });
  afterAll(() => service?.close());
  let startedInMs = 0;

  it('starts anyway, within seconds, is ready, and keeps sign-ups in its outbox', async () => {
    expect(startedInMs).toBeLessThan(15_000);
    expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    const created = await fetch(`${service.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'offline@example.com', name: 'Offline' }),
    });
    expect(created.status).toBe(201);
    const [pending] = await service.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM outbox WHERE sent_at IS NULL`,
    );
    // The sign-up's two rows: the user's data key (user-keys) and new_user.
    expect(pending?.count).toBe(2);
  });
});
