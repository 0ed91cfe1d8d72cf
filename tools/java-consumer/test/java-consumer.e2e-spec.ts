import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DEVELOPMENT_KEY_ENCRYPTION_KEY } from '@kafka-platform/kafka';
import {
  PlatformUnderTest,
  authHeaders,
  deleteNamespaceTopics,
  readTopic,
  stackEndpoints,
  uniqueName,
} from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';

/** One line of the Java consumer's output (tools/java-consumer RecordLine). */
interface Line {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  eventType: string | null;
  schemaVersion: string | null;
  schemaId?: number;
  value?: Record<string, unknown> | null;
  error?: string;
  /** With KEY_ENCRYPTION_KEY: what became of the sealed personal fields. */
  personalData?: string;
}

const JAR = join(__dirname, '..', 'target', 'java-consumer.jar');
const NEW_USER = 'dev.kafkaplatform.users.NewUser';

/** Runs the built jar (nx build: mvn package) with the stack's endpoints, as a user would from a shell. */
function javaConsumer(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; lines: Line[]; stderr: string }> {
  const { kafkaBrokers, schemaRegistryUrl } = stackEndpoints();
  const env = {
    ...process.env,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl,
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    execFile('java', ['-jar', JAR, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      const lines = stdout
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as Line);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, lines, stderr });
    });
  });
}

/** The id the registry gave the latest NewUser schema of this test's namespace: what the records must carry. */
async function registeredId(subject: string): Promise<number> {
  const url = `${stackEndpoints().schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return ((await response.json()) as { id: number }).id;
}

async function writeRaw(topic: string, key: string, value: Buffer): Promise<void> {
  const producer = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value, headers: { 'event-type': 'new_user' } }] });
  } finally {
    await producer.disconnect();
  }
}

describe('a Java consumer (kafka-clients + Apache Avro) reads what the Node services publish', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start();
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
    if (platform) await deleteNamespaceTopics(platform.namespace);
  });

  it('prints each sign-up decoded through the registry: key, event type, schema version and every field, personal ones sealed', async () => {
    const users = [
      { email: `${uniqueName('java')}@example.com`, name: 'Grace Java', locale: 'de' },
      { email: `${uniqueName('java')}@example.com`, name: 'Ada Ünicode ✓', locale: 'fr' },
    ];
    const ids: string[] = [];
    for (const user of users) ids.push((await platform.createUser(user)).id);

    const { code, lines, stderr } = await javaConsumer([platform.topic, '--from-beginning', '--max', '2']);

    // stderr is in the object so a failure shows why the jar stopped (a JDK's own warnings alone do not fail it).
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const schemaId = await registeredId(`${platform.topic}-${NEW_USER}`);
    // The relay publishes in outbox order; one key per user, so compare as sets of (key, record).
    const byKey = new Map(lines.map((line) => [line.key, line]));
    users.forEach((user, i) => {
      expect(byKey.get(ids[i])).toMatchObject({
        topic: platform.topic,
        key: ids[i],
        eventType: 'new_user',
        schemaVersion: '3',
        schemaId,
        // Sealed (crypto-shredding): the Java reader sees the ciphertext, never the address or the name.
        value: { userId: ids[i], email: '', name: '', locale: user.locale, personalData: expect.any(String) },
      });
      expect(JSON.stringify(byKey.get(ids[i]))).not.toContain(user.email);
    });
  });

  it('reports a record that is not in the wire format on its own line and goes on', async () => {
    await writeRaw(platform.topic, 'not-avro', Buffer.from('{"email":"plain json"}'));
    const { code, lines } = await javaConsumer([platform.topic, '--from-beginning', '--max', '3']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(3);
    // Partitions interleave in any order: find the bad record by its key.
    const bad = lines.find((line) => line.key === 'not-avro');
    const good = lines.filter((line) => line !== bad);
    expect(bad).toMatchObject({ key: 'not-avro', eventType: 'new_user', error: expect.stringMatching(/magic byte/) });
    expect(good.every((line) => line.value && !line.error)).toBe(true);
  });

  it('fails with exit code 1 when fewer records than --max arrive before --timeout-ms', async () => {
    const { code, lines, stderr } = await javaConsumer([
      platform.topic,
      '--from-beginning',
      '--max',
      '4',
      '--timeout-ms',
      '3000',
    ]);
    expect(code).toBe(1);
    expect(lines).toHaveLength(3);
    expect(stderr).toMatch(/timed out after 3000 ms with 3 of 4 records/);
  });

  it('opens the personal fields with KEY_ENCRYPTION_KEY and the keys on user-keys, as the services do, except an erased user’s', async () => {
    const kept = { email: `${uniqueName('java-kept')}@example.com`, name: 'Kept Jävä ✓' };
    const erased = { email: `${uniqueName('java-erased')}@example.com`, name: 'Erased Java' };
    const keptId = (await platform.createUser(kept)).id;
    const erasedId = (await platform.createUser(erased)).id;
    const deleted = await fetch(`${platform.services['user-service'].url}/users/${erasedId}`, {
      method: 'DELETE',
      headers: await authHeaders('ada'),
    });
    expect(deleted.ok).toBe(true);
    const keysTopic = `${platform.namespace}.user-keys`;
    await readTopic(keysTopic, (records) => records.some((r) => r.key === erasedId && r.value === null));

    // The topic now holds the 3 records above, these two sign-ups and the deletion.
    const args = [platform.topic, '--from-beginning', '--max', '6', '--keys-topic', keysTopic];
    const { code, lines, stderr } = await javaConsumer(args, {
      KEY_ENCRYPTION_KEY: DEVELOPMENT_KEY_ENCRYPTION_KEY.toString('base64'),
    });

    expect({ code, stderr }).toMatchObject({ code: 0 });
    const signUp = (id: string) => lines.find((line) => line.key === id && line.eventType === 'new_user');
    expect(signUp(keptId)).toMatchObject({ personalData: 'opened', value: { email: kept.email, name: kept.name } });
    expect(signUp(erasedId)).toMatchObject({ personalData: 'erased', value: { email: '', name: '' } });
    expect(JSON.stringify(lines)).not.toContain(erased.email);
    // The first test's sign-ups open too: every sealed record of a user whose key is there.
    const sealed = lines.filter((line) => typeof line.value?.['personalData'] === 'string');
    expect(sealed.map((line) => line.personalData).sort()).toEqual(['erased', 'opened', 'opened', 'opened']);

    // Another key-encryption key opens nothing; a malformed one stops the reader at start, naming the variable.
    const wrongKey = await javaConsumer(args, { KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(wrongKey.lines.find((line) => line.key === keptId)).toMatchObject({
      personalData: expect.stringMatching(/^unreadable/),
      value: { email: '', name: '' },
    });
    const malformed = await javaConsumer(args, { KEY_ENCRYPTION_KEY: 'c2hvcnQ=' });
    expect(malformed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/KEY_ENCRYPTION_KEY must be base64 of 32 bytes/),
    });
  });
});
