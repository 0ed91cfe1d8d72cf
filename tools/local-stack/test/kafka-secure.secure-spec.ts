// Proof on a real broker that libs/kafka connects with SASL/SCRAM-SHA-512 over TLS with a pinned CA, and that
// nothing else gets in: not a wrong password, not a client trusting another CA, not a plaintext client.
// The test makes its own certificates and users and starts the stack's opt-in `kafka-secure` broker with them,
// in a private stack dir (its own pid file, logs and data), so it never touches the main stack on 9092.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKafkajsClient, loadKafkaConfig } from '@kafka-platform/kafka';
import type { ConsumedRecord, KafkaClientPort } from '@kafka-platform/kafka';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { makeThrowawayPki } from './throwaway-pki';
import type { ThrowawayPki } from './throwaway-pki';

const BROKER = 'localhost:9094';
const CONTROLLER = 'localhost:9095';
const secret = () => randomBytes(18).toString('base64url');
const adminPassword = secret();
const svcPassword = secret();

let dir: string;
let pki: ThrowawayPki;

const cli = join(__dirname, '..', 'cli.mjs');

/** What the test hands the stack: its certificates and SCRAM users, and a stack dir of its own. */
const stackEnv = (stackDir = join(dir, 'stack')): NodeJS.ProcessEnv => ({
  ...process.env,
  LOCAL_STACK_DIR: stackDir,
  LOCAL_STACK_SECURE_CERT_FILE: pki.certFile,
  LOCAL_STACK_SECURE_KEY_FILE: pki.keyFile,
  LOCAL_STACK_SECURE_CA_FILE: pki.caFile,
  LOCAL_STACK_SECURE_ADMIN_PASSWORD: adminPassword,
  LOCAL_STACK_SECURE_USERS: `svc:${svcPassword}`,
});

/** The stack's own CLI, pointed at this test's stack dir and certificates. */
async function secureStack(command: 'up' | 'down'): Promise<string> {
  const env = stackEnv();
  const run = promisify(execFile)(process.execPath, [cli, command, 'kafka-secure'], { env, timeout: 170_000 });
  // The CLI explains a failed start (with the broker's last log lines) on stderr.
  const { stdout } = await run.catch((error: Error & { stderr?: string }) => {
    throw new Error(`stack ${command} kafka-secure failed: ${error.stderr ?? error.message}`);
  });
  return stdout;
}

/** What a service with these settings gets: env exactly as a deployment sets it, read by libs/kafka. */
function serviceEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    KAFKA_BROKERS: BROKER,
    KAFKA_CLIENT_ID: 'secure-proof',
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: 'svc',
    KAFKA_SASL_PASSWORD: svcPassword,
    KAFKA_TLS_CA_FILE: pki.caFile,
    // Required by the config schema; these tests never reach a registry.
    SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7',
    ...overrides,
  };
}

const serviceClient = (env: NodeJS.ProcessEnv): Promise<KafkaClientPort> =>
  createKafkajsClient(loadKafkaConfig(env, 'secure-proof'));

/** The error a connect ends with; resolves (never rejects) so attempts can run side by side. */
async function connectError(env: NodeJS.ProcessEnv): Promise<unknown> {
  const admin = (await serviceClient(env)).admin();
  const started = Date.now();
  try {
    await admin.connect();
    await admin.listTopics();
    return new Error('connected and listed topics: the broker let this client in');
  } catch (error) {
    // Recorded so a test can show the refusal came fast (non-retriable) or after kafkajs' retries.
    return Object.assign(error as object, { afterMs: Date.now() - started });
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kafka-secure-'));
  pki = await makeThrowawayPki(dir);
  await secureStack('up');
}, 180_000);

afterAll(async () => {
  // Stops only the broker this test started (pid file in its own stack dir), then forgets everything.
  try {
    if (pki) await secureStack('down');
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

describe('Kafka with SASL/SCRAM-SHA-512 over TLS (kafka-secure)', () => {
  it('lets a service with the right password and the pinned CA create a topic, produce and consume', async () => {
    const config = loadKafkaConfig(serviceEnv(), 'secure-proof');
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: svcPassword });
    expect(config.tls?.caFile).toBe(pki.caFile);

    const client = await createKafkajsClient(config);
    const admin = client.admin();
    const producer = client.producer();
    const consumer = client.consumer(uniqueName('secure-group'));
    const topic = uniqueName('secure');
    try {
      await admin.connect();
      await admin.createTopics([{ topic, partitions: 1, replicationFactor: 1, configs: {} }]);
      await producer.connect();
      const [sent] = await producer.send(topic, [
        { key: 'user-1', value: Buffer.from('over SASL_SSL'), headers: { proof: 'scram' } },
      ]);

      const seen: ConsumedRecord[] = [];
      await consumer.connect();
      await consumer.subscribe([topic], { fromBeginning: true });
      await consumer.run({
        concurrency: 1,
        eachBatch: async (batch, control) => {
          for (const record of batch.records) {
            seen.push(record);
            control.markDone(record.offset);
          }
          await control.commit();
        },
      });
      const [received] = await waitFor('the record back from the secure broker', () => seen.length > 0 && seen, {
        timeoutMs: 30_000,
      });
      expect(received).toMatchObject({ topic, partition: sent.partition, offset: sent.offset });
      expect(String(received.key)).toBe('user-1');
      expect(String(received.value)).toBe('over SASL_SSL');
      expect(received.headers).toMatchObject({ proof: 'scram' });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics([topic]).catch(() => undefined);
      await admin.disconnect();
    }
  });

  describe('refuses', () => {
    // kafkajs retries a failed TLS connection (5 times, about 10 s) and libs/kafka exposes no knob for that,
    // so the refused attempts run side by side from the start and each test checks its own outcome.
    let attempts: Record<string, Promise<unknown>>;
    beforeAll(() => {
      attempts = {
        wrongPassword: connectError(serviceEnv({ KAFKA_SASL_PASSWORD: 'not-the-password' })),
        unknownUser: connectError(serviceEnv({ KAFKA_SASL_USERNAME: 'nobody' })),
        otherCa: connectError(serviceEnv({ KAFKA_TLS_CA_FILE: pki.otherCaFile })),
        systemCas: connectError(serviceEnv({ KAFKA_TLS_CA_FILE: undefined, KAFKA_TLS: 'true' })),
        plaintext: connectError({
          ...serviceEnv(),
          KAFKA_SASL_MECHANISM: undefined,
          KAFKA_SASL_USERNAME: undefined,
          KAFKA_SASL_PASSWORD: undefined,
          KAFKA_TLS_CA_FILE: undefined,
        }),
        saslWithoutTls: connectError(serviceEnv({ KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: undefined })),
        controllerPort: connectError({
          KAFKA_BROKERS: CONTROLLER,
          SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7',
        }),
      };
    });

    it('a wrong password, with a SASL authentication error and without retrying', async () => {
      const error = await attempts.wrongPassword;
      expect(error).toMatchObject({
        name: 'KafkaJSSASLAuthenticationError',
        message: expect.stringMatching(/^SASL SCRAM SHA512 authentication failed: .*invalid credentials/),
        retriable: false,
      });
      expect((error as { afterMs: number }).afterMs).toBeLessThan(5_000);
    });

    it('a user the broker does not know, the same way', async () => {
      expect(await attempts.unknownUser).toMatchObject({
        name: 'KafkaJSSASLAuthenticationError',
        message: expect.stringContaining('SASL SCRAM SHA512 authentication failed'),
      });
    });

    it('a client that pins a CA which did not sign the broker certificate, with a TLS verification error', async () => {
      expect(await attempts.otherCa).toMatchObject({
        name: 'KafkaJSNumberOfRetriesExceeded',
        cause: { name: 'KafkaJSConnectionError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      });
    });

    it('a TLS client that trusts only the system CAs (the pinned CA is what lets services in)', async () => {
      expect(await attempts.systemCas).toMatchObject({
        cause: { name: 'KafkaJSConnectionError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      });
    });

    it('a plaintext client without TLS or SASL: there is no plaintext fallback on the client port', async () => {
      expect(await attempts.plaintext).toMatchObject({
        name: 'KafkaJSNumberOfRetriesExceeded',
        cause: { name: expect.stringMatching(/^KafkaJSConnection/), message: expect.stringMatching(/[Cc]losed/) },
      });
    });

    it('SASL without TLS on the client port', async () => {
      expect(await attempts.saslWithoutTls).toMatchObject({
        cause: { name: expect.stringMatching(/^KafkaJSConnection/), message: expect.stringMatching(/[Cc]losed/) },
      });
    });

    it('a plaintext client on the controller port: it serves no client requests', async () => {
      expect(await attempts.controllerPort).toMatchObject({ name: 'KafkaJSServerDoesNotSupportApiKey' });
    });
  });

  it('refuses to start with missing or mismatched certificates, saying why, and starts nothing', async () => {
    const failedUp = async (env: NodeJS.ProcessEnv) => {
      const stackDir = join(dir, uniqueName('bad-stack'));
      const outcome = await promisify(execFile)(process.execPath, [cli, 'up', 'kafka-secure'], {
        env: { ...stackEnv(stackDir), ...env },
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: 'started' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(existsSync(join(stackDir, 'run', 'kafka-secure.pid'))).toBe(false);
      return outcome;
    };

    const missing = await failedUp({ LOCAL_STACK_SECURE_CERT_FILE: undefined });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('LOCAL_STACK_SECURE_CERT_FILE is not set');
    const foreign = await failedUp({ LOCAL_STACK_SECURE_CA_FILE: pki.otherCaFile });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('LOCAL_STACK_SECURE_CERT_FILE was not signed by LOCAL_STACK_SECURE_CA_FILE');
  });

  it('has no listener for clients other than SASL_SSL, one SASL mechanism and no topic auto-creation', async () => {
    // Read from the running broker (admin over SASL_SSL), not from the file the stack wrote.
    const kafka = new Kafka({
      clientId: 'secure-proof-admin',
      brokers: [BROKER],
      ssl: { ca: await readFile(pki.caFile, 'utf8'), rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: adminPassword },
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers).toEqual([expect.objectContaining({ host: 'localhost', port: 9094 })]);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0].nodeId) }],
      });
      const config = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
      const protocolOf = new Map(
        config['listener.security.protocol.map'].split(',').map((pair) => pair.split(':') as [string, string]),
      );
      const controllerListeners = config['controller.listener.names'].split(',');
      const clientListeners = config.listeners
        .split(',')
        .map((listener) => listener.split('://')[0])
        .filter((name) => !controllerListeners.includes(name));
      expect(clientListeners.map((name) => protocolOf.get(name))).toEqual(['SASL_SSL']);
      expect(config['sasl.enabled.mechanisms']).toBe('SCRAM-SHA-512');
      expect(config['auto.create.topics.enable']).toBe('false');
    } finally {
      await admin.disconnect();
    }
  });
});
