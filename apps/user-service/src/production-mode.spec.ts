// Issue "Production mode starts": with NODE_ENV=production (SCHEMA_REGISTRY_AUTO_REGISTER=false) the user-service
// only looks schema ids up, so its events wait until `schemas register` has run, as the prod overlay's Job runs it.
// The service runs in its own KAFKA_NAMESPACE, whose subjects (<ns>.user-events-<record>) only the compiled command
// creates here; what reached Kafka is read with an independent client and decoded with the registry's own schema.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_CONFIG, catalogTopicSpecs, createKafkajsClient, ensureTopics } from '@kafka-platform/kafka';
import type { KafkaConfig } from '@kafka-platform/kafka';
import { readTopic, stackEndpoints, topicSize, waitFor } from '@kafka-platform/testing';
import { Type } from 'avsc';
import { startUserService } from '../test/test-support/user-service-under-test';
import type { UserServiceUnderTest } from '../test/test-support/user-service-under-test';

jest.setTimeout(90_000);

const cli = join(__dirname, '..', '..', '..', 'libs', 'kafka', 'dist', 'schemas', 'schemas-cli.js');
const registryUrl = stackEndpoints().schemaRegistryUrl;
// Production refuses the public development key-encryption key: a key of its own, as a Secret would give it.
const PRODUCTION = {
  NODE_ENV: 'production',
  SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
  KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

/** `node libs/kafka/dist/schemas/schemas-cli.js ...`, as CI and the Kubernetes Job run it. */
async function schemas(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { PATH: process.env['PATH'], SCHEMA_REGISTRY_URL: registryUrl },
      timeout: 30_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

async function subjectsOf(namespace: string): Promise<string[]> {
  const subjects = (await (await fetch(`${registryUrl}/subjects`)).json()) as string[];
  return subjects.filter((subject) => subject.startsWith(`${namespace}.`)).sort();
}

interface OutboxRow {
  sent: boolean;
  attempts: number;
  last_error: string | null;
}

describe('user-service in production mode (schemas registered by the schemas command only)', () => {
  let service: UserServiceUnderTest;

  beforeAll(async () => {
    service = await startUserService(PRODUCTION);
    // In production Strimzi creates the topics and the service never does; here the namespace's topics come from the
    // catalog, as `npm run topics:ensure` creates them.
    const config = service.app.get<KafkaConfig>(KAFKA_CONFIG);
    const admin = (await createKafkajsClient(config)).admin();
    await admin.connect();
    try {
      await ensureTopics(admin, catalogTopicSpecs(config.topics, await admin.brokerCount()));
    } finally {
      await admin.disconnect();
    }
  });
  afterAll(async () => {
    await service?.close();
  });

  it('accepts a user while its event waits for the schema, and publishes it once `schemas register` ran', async () => {
    const { namespace, topic } = service;
    const newUserSubject = `${namespace}.user-events-dev.kafkaplatform.users.NewUser`;
    const userKeySubject = `${namespace}.user-keys-dev.kafkaplatform.users.UserKey`;
    expect(await subjectsOf(namespace)).toEqual([]);

    const response = await fetch(`${service.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `prod-${namespace}@example.com`, name: 'Margaret Hamilton', locale: 'en-US' }),
    });
    expect(response.status).toBe(201);
    const user = (await response.json()) as { id: string; email: string };

    // The relay tried, and failed for want of the schema: the rows stay pending (the user's data key first; its
    // new_user waits behind it, in key order), nothing reached the topic, and the service registered nothing itself.
    const rows = () =>
      service.query<OutboxRow>(
        `SELECT sent_at IS NOT NULL AS sent, attempts, last_error FROM outbox WHERE key = $1 ORDER BY id`,
        [user.id],
      );
    const [pending] = await waitFor('two failed publish attempts', async () => {
      const found = await rows();
      return found.length === 2 && (found[0]?.attempts ?? 0) >= 2 && found;
    });
    expect(pending?.sent).toBe(false);
    if (pending?.last_error) expect(pending.last_error).toContain(userKeySubject);
    expect(await topicSize(topic)).toBe(0);
    expect(await subjectsOf(namespace)).toEqual([]);
    // What the prod init containers wait on: not registered yet.
    expect(await schemas('check', '--registered', '--namespace', namespace)).toMatchObject({
      code: 1,
      out: expect.stringContaining(`new_user -> ${newUserSubject}\n  v1  NOT REGISTERED\n  v2  NOT REGISTERED`),
    });

    const register = await schemas('register', '--namespace', namespace);
    expect({ code: register.code, err: register.err }).toEqual({ code: 0, err: '' });
    const id = Number(
      new RegExp(`^${newUserSubject.replace(/\./g, '\\.')} -> v3 -> id (\\d+) `, 'm').exec(register.out)?.[1],
    );
    expect(id).toBeGreaterThan(0);
    expect(await subjectsOf(namespace)).toEqual(
      [
        `${namespace}.user-events-dev.kafkaplatform.users.NewUser`,
        `${namespace}.user-events-dev.kafkaplatform.users.UserDeleted`,
        `${namespace}.user-events-dev.kafkaplatform.users.UserUpdated`,
        userKeySubject,
        `${namespace}.user-signups-by-domain-dev.kafkaplatform.analytics.SignupByDomain`,
        `${namespace}.user-signups-per-minute-dev.kafkaplatform.analytics.SignupsPerMinute`,
      ].sort(),
    );

    // The relay's next round publishes it (its backoff is at most 10 s) and marks the row sent.
    await waitFor('the outbox rows sent', async () => (await rows()).every((r) => r.sent), { timeoutMs: 30_000 });
    const records = await readTopic(topic, (arrived) => arrived.some((r) => r.key === user.id));
    const record = records.find((r) => r.key === user.id);
    expect(record).toMatchObject({ key: user.id, headers: { 'event-type': 'new_user', 'schema-version': '3' } });
    const value = record?.value as Buffer;
    expect(value.readUInt8(0)).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);
    // Decoded with the schema the registry holds under that id, not with the platform's codec.
    const { schema } = (await (await fetch(`${registryUrl}/schemas/ids/${id}`)).json()) as { schema: string };
    // The personal fields travel sealed (crypto-shredding): the registry's schema reads them as empty.
    expect(Type.forSchema(JSON.parse(schema)).fromBuffer(value.subarray(5))).toEqual({
      userId: user.id,
      email: '',
      name: '',
      locale: 'en-US',
      personalData: expect.any(String),
    });
    expect(value.includes(user.email)).toBe(false);
    expect(await schemas('check', '--registered', '--namespace', namespace)).toMatchObject({ code: 0 });
  });
});
