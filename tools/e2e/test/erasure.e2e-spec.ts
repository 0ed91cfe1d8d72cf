// Crypto-shredding end to end: after DELETE /users/:id no copy of that user's events can be read (the topic, a DLQ
// copy, the key topic), checked with kcat, a client this project did not write, and with the platform's own
// decryption; other users keep working.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  catalogContract,
  createAvroCodec,
  createKafkaClient,
  loadKafkaConfig,
  UserKeyStore,
} from '@kafka-platform/kafka';
import type { KafkaClientPort } from '@kafka-platform/kafka';
import {
  PlatformUnderTest,
  authHeaders,
  mailsTo,
  readTopic,
  stackEndpoints,
  uniqueName,
  waitFor,
} from '@kafka-platform/testing';
import { writeRaw } from './support/kafka';

/** A topic from its beginning to its end now, printed by kcat in `format` (%k key, %s value, %S its length). */
async function kcat(topic: string, format: string): Promise<Buffer> {
  const brokers = stackEndpoints().kafkaBrokers.join(',');
  const args = ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', format];
  const run = promisify(execFile)('kcat', args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return (
    await run.catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        throw new Error('kcat is needed for the erasure test (Debian: apt-get install kcat)');
      throw error;
    })
  ).stdout;
}

/** Whether the topic's latest record for `key` is a tombstone (kcat prints a null value's length as -1). */
async function tombstoned(topic: string, key: string): Promise<boolean> {
  const lengths = (await kcat(topic, '%k\t%S\n'))
    .toString()
    .split('\n')
    .filter((line) => line.startsWith(`${key}\t`));
  return lengths.at(-1) === `${key}\t-1`;
}

describe('erasure: a deleted user’s personal data cannot be read from Kafka any more', () => {
  let platform: PlatformUnderTest;
  let client: KafkaClientPort;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start();
    const config = loadKafkaConfig(
      {
        KAFKA_BROKERS: stackEndpoints().kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stackEndpoints().schemaRegistryUrl,
      },
      'erasure-e2e',
    );
    client = await createKafkaClient(config);
  }, 120_000);
  afterAll(() => platform?.close());

  const person = (label: string) => ({ email: `${uniqueName(label)}@example.com`, name: `Name ${uniqueName(label)}` });
  const send = async (method: 'PATCH' | 'DELETE', id: string, body?: object) => {
    const response = await fetch(`${platform.services['user-service'].url}/users/${id}`, {
      method,
      headers: { ...(await authHeaders('ada')), ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} /users/${id} answered ${response.status}`);
  };

  it('after DELETE, kcat finds neither email nor name of the user anywhere, their events read as erased, others still work', async () => {
    const erased = person('erase-me');
    const kept = person('keep-me');
    const erasedId = (await platform.createUser(erased)).id;
    const keptId = (await platform.createUser(kept)).id;
    await waitFor('both welcome mails', async () => (await mailsTo([erased.email, kept.email])).length === 2);
    const renamed = { name: `Renamed ${uniqueName('erase-me')}` };
    await send('PATCH', erasedId, renamed);

    // A dead-letter copy carries the record's own bytes (libs/kafka's deadLetterRecord): make one of the user's.
    const events = await readTopic(platform.topic, (records) => records.filter((r) => r.key === erasedId).length >= 2);
    const signup = events.find((r) => r.key === erasedId && r.headers['event-type'] === 'new_user');
    const dlq = platform.deadLetterTopic('email-service');
    await writeRaw(dlq, erasedId, signup?.value as Buffer, signup?.headers);

    await send('DELETE', erasedId);
    const keysTopic = `${platform.namespace}.user-keys`;
    await waitFor('the tombstone of the deleted user’s key on user-keys', () => tombstoned(keysTopic, erasedId));

    // 1. Bytes, as any client reads them: no personal field of anyone is in clear, the deleted user's least of all.
    const everything = Buffer.concat(
      await Promise.all([platform.topic, dlq, keysTopic].map((topic) => kcat(topic, '%k %s %h\n'))),
    );
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of [erased.email, erased.name, renamed.name, kept.email, kept.name]) {
      expect(everything.includes(secret)).toBe(false);
    }

    // 2. With the key-encryption key and the key topic as it is now: the deleted user's key is gone, the other's opens.
    const keys = new UserKeyStore(
      client,
      createAvroCodec(
        { url: stackEndpoints().schemaRegistryUrl, autoRegister: false },
        catalogContract(platform.namespace),
      ),
      catalogContract(platform.namespace),
      {
        keyEncryptionKey: loadKafkaConfig(
          { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: stackEndpoints().schemaRegistryUrl },
          'erasure-e2e',
        ).personalData.keyEncryptionKey,
        groupPrefix: uniqueName('erasure-e2e'),
        waitMs: 20_000,
      },
    );
    try {
      expect(await keys.dataKeyFor(erasedId)).toBe('erased');
      expect(await keys.dataKeyFor(keptId)).toBeInstanceOf(Buffer);
    } finally {
      await keys.stop();
    }

    // 3. Everyone else end to end: the kept user got exactly one mail, and a new sign-up gets its own.
    const later = person('after-erasure');
    await platform.createUser(later);
    await waitFor(
      'the welcome mail of a user who signed up after the erasure',
      async () => (await mailsTo([later.email])).length === 1,
    );
    expect(await mailsTo([kept.email])).toHaveLength(1);
    const user = await fetch(`${platform.services['user-service'].url}/users/${erasedId}`, {
      headers: await authHeaders('ada'),
    });
    expect(user.status).toBe(404);
  });
});
