import { startUserService } from './test-support/user-service-under-test';
import type { UserServiceUnderTest } from './test-support/user-service-under-test';

jest.setTimeout(60_000);

describe('user-service (in-process on the real stack)', () => {
  let service: UserServiceUnderTest;
  const get = (path: string) => fetch(`${service.url}${path}`);

  beforeAll(async () => {
    service = await startUserService();
  });
  afterAll(() => service?.close());

  it('answers GET /health/live with status ok', async () => {
    const response = await get('/health/live');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('is ready with Kafka, the schema registry and its database up', async () => {
    const response = await get('/health/ready');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { kafka: { status: 'up' }, schemaRegistry: { status: 'up' }, database: { status: 'up' } },
    });
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

  it('exposes the outbox gauges on /metrics', async () => {
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^outbox_pending_rows\{service="user-service"\} \d+$/m);
    expect(text).toMatch(/^outbox_oldest_pending_age_seconds\{service="user-service"\} [\d.]+$/m);
  });

  it('serves the OpenAPI document at /docs-json with every /users operation', async () => {
    const response = await get('/docs-json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(Object.keys(document.paths['/users'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/users/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(Object.keys(document.paths['/users']?.['post']?.responses ?? {}).sort()).toEqual(
      ['201', '400', '409', '413', '415'].sort(),
    );
    expect(document.components.schemas['CreateUserDto']?.required?.sort()).toEqual(['email', 'name']);
    expect(Object.keys(document.paths['/users/{id}']?.['patch']?.responses ?? {}).sort()).toEqual(
      ['200', '400', '404', '409', '413', '415'].sort(),
    );
  });

  it('serves Swagger UI at /docs with its assets from this service, not a CDN', async () => {
    const response = await get('/docs');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('swagger-ui');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((asset) => /^(https?:)?\/\//.test(asset))).toEqual([]);
    for (const asset of assets) {
      const served = await fetch(new URL(asset, `${service.url}/docs`));
      expect({ asset, status: served.status }).toEqual({ asset, status: 200 });
    }
  });
});
