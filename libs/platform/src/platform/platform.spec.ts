import { ManagementServer, Public, createServiceApp, PlatformModule } from '..';
import { authHeaders, createTestDatabase, freePort, stackEndpoints, uniqueName } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import { Body, Controller, Get, Logger, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { IsEmail, IsString, Length } from 'class-validator';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';

jest.setTimeout(60_000);

class SignUpDto {
  @IsEmail()
  email!: string;

  @IsString()
  @Length(1, 100)
  name!: string;
}

// Public: these tests are about the HTTP rules every service shares; the token rules have a suite of their own.
@Public()
@Controller('sign-ups')
class SignUpController {
  private readonly logger = new Logger('SignUp');

  /** What a handler sees when its database connection is refused (the server restarting). */
  @Get('refused')
  refused(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }

  @Get('bug')
  bug(): never {
    throw new TypeError('undefined is not a function');
  }

  @Post()
  signUp(@Body() body: SignUpDto) {
    this.logger.log(`signed up ${body.name}`);
    return body;
  }
}

/** A route with no decorator: it needs a valid token, as every route of the platform does by default. */
@Controller('protected')
class ProtectedController {
  @Get()
  read() {
    return { ok: true };
  }
}

function platformApp(env: NodeJS.ProcessEnv, database: boolean) {
  @Module({
    imports: [
      PlatformModule.forRoot({
        service: 'platform-test',
        defaultPort: 0,
        env,
        ...(database && { database: { entities: [], migrations: [] } }),
      }),
    ],
    controllers: [SignUpController, ProtectedController],
  })
  class PlatformTestModule {}
  return PlatformTestModule;
}

describe('PlatformModule and createServiceApp (real stack)', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let appModule: ReturnType<typeof platformApp>;
  let url: string;
  const logLines: string[] = [];
  const baseEnv = () => ({
    KAFKA_BROKERS: stackEndpoints().kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stackEndpoints().schemaRegistryUrl,
    KAFKA_NAMESPACE: uniqueName('platform').replace(/-/g, '_'),
    LOG_LEVEL: 'info',
    MANAGEMENT_PORT: '0',
    // The realm's tokens name the three services: this test app takes the user-service's audience.
    OIDC_AUDIENCE: 'user-service',
  });

  beforeAll(async () => {
    db = await createTestDatabase('user_service');
    // pino writes to stdout; capture it to check the log lines carry the request's correlation id.
    const write = process.stdout.write.bind(process.stdout);
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (String(chunk).startsWith('{')) {
        logLines.push(String(chunk));
        return true;
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    });
    appModule = platformApp({ ...baseEnv(), DATABASE_URL: db.url }, true);
    app = await createServiceApp(appModule);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    jest.restoreAllMocks();
    await db.drop();
  });

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${url}/sign-ups`, { method: 'POST', body, headers });

  it('is ready when its database answers, whatever Kafka and the registry do (the outbox waits for them)', async () => {
    const response = await fetch(`${url}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; info: Record<string, unknown> };
    expect(body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(Object.keys(body.info)).toEqual(['database']);
    expect(await (await fetch(`${url}/health/live`)).json()).toMatchObject({ status: 'ok' });
  });

  it('answers a dependency outage with 503, a stable code and Retry-After; a bug stays a 500 without details', async () => {
    const refused = await fetch(`${url}/sign-ups/refused`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'A service this request needs is unavailable; try again in 5 seconds',
      retryable: true,
    });
    const bug = await fetch(`${url}/sign-ups/bug`);
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
  });

  it('lists every invalid and every unknown field in a 400', async () => {
    const response = await post(JSON.stringify({ email: 'nope', name: '', admin: true }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { field: string; messages: string[] }[] };
    expect(body.errors.map((error) => error.field).sort()).toEqual(['admin', 'email', 'name']);
  });

  it('answers malformed JSON with a 400 naming the body', async () => {
    const response = await post('{"email": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'body' }] });
  });

  it('answers a JSON array body with a 400 naming the body, not a list of unknown properties', async () => {
    const response = await post(JSON.stringify([{ email: 'a@example.com', name: 'A' }]));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ field: 'body', messages: ['must be a JSON object'] }] });
  });

  it('needs a token on an undecorated route: 401 with a Bearer challenge without one, 200 with one', async () => {
    const anonymous = await fetch(`${url}/protected`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    expect((await fetch(`${url}/protected`, { headers: await authHeaders('sam') })).status).toBe(200);
  });

  it('answers 503 with Retry-After, not 401, when the identity provider cannot be reached', async () => {
    const issuer = `http://127.0.0.1:${await freePort()}/realms/kafka-platform`;
    const cut = await createServiceApp(platformApp({ ...baseEnv(), OIDC_ISSUER_URL: issuer }, false));
    await cut.listen(0, '127.0.0.1');
    try {
      const port = (cut.getHttpServer().address() as { port: number }).port;
      const response = await fetch(`http://127.0.0.1:${port}/protected`, { headers: await authHeaders('sam') });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await cut.close();
    }
  });

  it('gives every app built from one module its own metrics registry', async () => {
    const second = await createServiceApp(appModule);
    try {
      await expect(second.init()).resolves.toBeDefined();
    } finally {
      await second.close();
    }
  });

  it('refuses a body over 100 KB with 413 and a non-JSON body with 415', async () => {
    const big = await post(JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(101 * 1024) }));
    expect(big.status).toBe(413);
    const text = await post('email=a@example.com', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ statusCode: 415 });
  });

  // Found by the fuzz suite: body-parser decoded "{" labelled utf-16 to nothing, read as {}: a replay started.
  it('refuses a JSON body in another charset than UTF-8 with 415, rather than reading it as an empty object', async () => {
    for (const charset of ['utf-16', 'utf-16le', 'latin1']) {
      const response = await post('{', { 'content-type': `application/json; charset=${charset}` });
      expect({ charset, status: response.status }).toEqual({ charset, status: 415 });
    }
    const utf8 = await post(JSON.stringify({ email: 'utf8@example.com', name: 'Ünïcode' }), {
      'content-type': 'application/json; charset=UTF-8',
    });
    expect(utf8.status).toBe(201);
  });

  it('refuses a form or text body on a state-changing request even when it is empty', async () => {
    const response = await fetch(`${url}/sign-ups`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
  });

  it('echoes the caller correlation id and writes it on the request log lines', async () => {
    const response = await post(JSON.stringify({ email: 'ada@example.com', name: 'Ada' }), {
      'content-type': 'application/json',
      'x-correlation-id': 'corr-1234',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-correlation-id')).toBe('corr-1234');
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['message'] === 'signed up Ada');
    expect(line).toMatchObject({ correlationId: 'corr-1234', service: 'platform-test', level: 'info' });
  });

  it('serves Prometheus metrics on the management port, not on the API port', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    const response = await fetch(`${app.get(ManagementServer).url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/process_cpu_seconds_total\{service="platform-test"\}/);
  });

  it('is not ready (503) when the database does not answer', async () => {
    const doomed = await createTestDatabase('user_service');
    const down = await createServiceApp(platformApp({ ...baseEnv(), DATABASE_URL: doomed.url }, true));
    await down.listen(0, '127.0.0.1');
    const port = (down.getHttpServer().address() as { port: number }).port;
    await doomed.drop(); // the database disappears under the running service
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { database: { status: 'down' } } });
    } finally {
      await down.close();
    }
  });

  it('records the Kafka cluster its database follows, and refuses to start against another one', async () => {
    const dataSource = app.get(DataSource);
    const [recorded] = (await dataSource.query(`SELECT cluster_id FROM kafka_cluster`)) as { cluster_id: string }[];
    const admin = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const { clusterId } = await admin.describeCluster().finally(() => admin.disconnect());
    expect(recorded?.cluster_id).toBe(clusterId);

    const moved = await createTestDatabase('user_service');
    try {
      const first = await createServiceApp(platformApp({ ...baseEnv(), DATABASE_URL: moved.url }, true));
      await first.init();
      await first.get(DataSource).query(`UPDATE kafka_cluster SET cluster_id = 'a-cluster-from-elsewhere'`);
      await first.close();

      const refused = createServiceApp(platformApp({ ...baseEnv(), DATABASE_URL: moved.url }, true)).then((next) =>
        next.init().finally(() => next.close()),
      );
      await expect(refused).rejects.toThrow(
        /KAFKA_BROKERS points at Kafka cluster .* but the database of DATABASE_URL holds data written against cluster a-cluster-from-elsewhere/,
      );

      const rebound = await createServiceApp(
        platformApp({ ...baseEnv(), DATABASE_URL: moved.url, KAFKA_CLUSTER_REBIND: 'true' }, true),
      );
      await rebound.init();
      const [row] = (await rebound.get(DataSource).query(`SELECT cluster_id FROM kafka_cluster`)) as {
        cluster_id: string;
      }[];
      await rebound.close();
      expect(row?.cluster_id).toBe(clusterId);
    } finally {
      await moved.drop();
    }
  });

  it('stops the start naming DATABASE_URL when it is missing', async () => {
    await expect(createServiceApp(platformApp(baseEnv(), true))).rejects.toThrow(/DATABASE_URL is required/);
  });
});
