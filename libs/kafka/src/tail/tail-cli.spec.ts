// `npm run tail` on the real broker and registry: the compiled CLI, as a person runs it, prints each record's key,
// headers and decoded payload, and stops after --max records.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackEndpoints } from '@kafka-platform/testing';
import { KafkaHarness, clientEnv } from '../../test/test-support/kafka-harness';

const cli = join(__dirname, '..', '..', 'dist', 'tail', 'tail-cli.js');

async function tail(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const endpoints = stackEndpoints();
  return promisify(execFile)(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env['PATH'],
      ...clientEnv(),
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    },
    timeout: 30_000,
  });
}

describe('npm run tail (the compiled CLI, real Kafka)', () => {
  let kafka: KafkaHarness;
  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([], 1);
  });
  afterAll(() => kafka.cleanup());

  it('prints key, headers and the decoded payload of each record, from the beginning, up to --max', async () => {
    const userId = randomUUID();
    const publisher = await kafka.publisher();
    const signup = await publisher.publish('new_user', {
      userId,
      email: 'tail@example.com',
      name: 'Tail',
      locale: 'fr',
    });
    await publisher.publish('user_deleted', { userId });

    const { stdout, stderr } = await tail([kafka.topic, '--from-beginning', '--max', '2']);

    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(lines).toHaveLength(2);
    const [created, deleted] = lines;
    expect(created?.slice(1, 3)).toEqual(['Partition:0', 'Offset:0']);
    expect(created?.[3]).toContain(`event-id:${signup.eventId},event-type:new_user,schema-version:3,`);
    expect(created?.[4]).toBe(userId);
    expect(JSON.parse(created?.[5] ?? '')).toEqual({
      userId,
      email: 'tail@example.com',
      name: 'Tail',
      locale: 'fr',
      personalData: null,
    });
    expect(deleted?.[3]).toContain('event-type:user_deleted,schema-version:1,');
    expect(JSON.parse(deleted?.[5] ?? '')).toEqual({ userId });
    expect(stderr).toBe(`${kafka.topic}: 2 record(s)\n`);
  });

  it('names a topic that does not exist, and a bad --max', async () => {
    await expect(tail(['no-such-topic-' + randomUUID(), '--max', '1'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^Topic "no-such-topic-.*" does not exist\n$/),
    });
    await expect(tail([kafka.topic, '--max', '0'])).rejects.toMatchObject({
      stderr: '--max must be a whole number >= 1\n',
    });
  });
});
