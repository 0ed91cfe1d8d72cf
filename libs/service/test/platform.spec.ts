import { createServiceApp, PlatformModule } from '../src';
import { createTestDatabase, stackEndpoints, uniqueName } from '@kafka-platform/testing';
import type { TestDatabase } from '@kafka-platform/testing';
import { Body, Controller, Logger, Module, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { IsEmail, IsString, Length } from 'class-validator';

jest.setTimeout(60_000);

class SignUpDto {
  @IsEmail()
  email!: string;

  @IsString()
  @Length(1, 100)
  name!: string;
}

@Controller('sign-ups')
class SignUpController {
  private readonly logger = new Logger('SignUp');

  @Post()
  signUp(@Body() body: SignUpDto) {
    this.logger.log(`signed up ${body.name}`);
    return body;
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
    controllers: [SignUpController],
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

  it('is ready when Kafka, the registry and the database answer', async () => {
    const response = await fetch(`${url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { kafka: { status: 'up' }, schemaRegistry: { status: 'up' }, database: { status: 'up' } },
    });
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

  it('serves Prometheus metrics including the Kafka plumbing', async () => {
    const response = await fetch(`${url}/metrics`);
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

  it('stops the start naming DATABASE_URL when it is missing', async () => {
    await expect(createServiceApp(platformApp(baseEnv(), true))).rejects.toThrow(/DATABASE_URL is required/);
  });
});
