import { DEVELOPMENT_KEY_ENCRYPTION_KEY, loadKafkaConfig } from './kafka-config';
import { ConfigError } from '@kafka-platform/core';

const KEK = Buffer.alloc(32, 7).toString('base64');
const valid = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7/' };

function issuesOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadKafkaConfig(env, 'svc');
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadKafkaConfig', () => {
  it('parses a broker list, trims the registry URL and applies safe defaults', () => {
    expect(loadKafkaConfig({ ...valid, KAFKA_BROKERS: 'a:9092, b:9094' }, 'svc')).toEqual({
      brokers: ['a:9092', 'b:9094'],
      client: 'kafkajs',
      clientId: 'svc',
      schemaRegistry: { url: 'http://localhost:8081/apis/ccompat/v7', autoRegister: true },
      topics: { replicationFactor: undefined, minInsyncReplicas: undefined },
      retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000, transientRetryForMs: 3_600_000 },
      consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, deadAfterMs: 120_000, keyConcurrency: 1 },
      shutdownTimeoutMs: 10_000,
      personalData: { keyEncryptionKey: DEVELOPMENT_KEY_ENCRYPTION_KEY, keyWaitMs: 15_000 },
    });
  });

  it('only looks schemas up in production unless told to register', () => {
    const production = { ...valid, NODE_ENV: 'production', KEY_ENCRYPTION_KEY: KEK };
    expect(loadKafkaConfig(production, 'svc').schemaRegistry.autoRegister).toBe(false);
    expect(
      loadKafkaConfig({ ...production, SCHEMA_REGISTRY_AUTO_REGISTER: 'true' }, 'svc').schemaRegistry.autoRegister,
    ).toBe(true);
  });

  it('takes the key-encryption key from KEY_ENCRYPTION_KEY, refuses a bad one, and demands one in production', () => {
    expect(loadKafkaConfig({ ...valid, KEY_ENCRYPTION_KEY: KEK }, 'svc').personalData.keyEncryptionKey).toEqual(
      Buffer.from(KEK, 'base64'),
    );
    expect(issuesOf({ ...valid, KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toEqual([
      'KEY_ENCRYPTION_KEY must be 32 random bytes, base64 (openssl rand -base64 32)',
    ]);
    expect(issuesOf({ ...valid, NODE_ENV: 'production' })).toEqual([
      'KEY_ENCRYPTION_KEY is required when NODE_ENV=production (the development key is public)',
    ]);
  });

  it('turns on TLS with SASL, pins the CA file, and names missing credentials', () => {
    const config = loadKafkaConfig(
      {
        ...valid,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'secret',
        KAFKA_TLS_CA_FILE: '/etc/kafka/ca.pem',
      },
      'svc',
    );
    expect(config.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'secret' });
    expect(config.tls).toEqual({ caFile: '/etc/kafka/ca.pem', certFile: undefined, keyFile: undefined });
    expect(issuesOf({ ...valid, KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set',
      'KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is set',
    ]);
    expect(issuesOf({ ...valid, KAFKA_SASL_MECHANISM: 'gssapi' })).toEqual([
      'KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512',
    ]);
  });

  it('refuses SASL PLAIN with TLS turned off, which would send the password in clear text', () => {
    const plain = { ...valid, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw' };
    expect(issuesOf({ ...plain, KAFKA_TLS: 'false' })).toEqual([
      'KAFKA_SASL_MECHANISM plain sends KAFKA_SASL_PASSWORD in clear text and KAFKA_TLS=false turns TLS off: turn TLS on (KAFKA_TLS=true or unset) or use scram-sha-256 / scram-sha-512',
    ]);
    // TLS comes with a mechanism unless turned off; on, PLAIN is what managed Kafka offerings use.
    expect(loadKafkaConfig(plain, 'svc').tls).toEqual({ caFile: undefined, certFile: undefined, keyFile: undefined });
    expect(loadKafkaConfig({ ...plain, KAFKA_TLS: 'true' }, 'svc').sasl?.mechanism).toBe('plain');
  });

  it('allows SCRAM without TLS, whose exchange never sends the password (TLS may come from a service mesh)', () => {
    const config = loadKafkaConfig(
      {
        ...valid,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'svc',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_TLS: 'false',
      },
      'svc',
    );
    expect(config.sasl?.mechanism).toBe('scram-sha-512');
    expect(config.tls).toBeUndefined();
  });

  it('sends registry credentials over https, or plain http to a loopback host only', () => {
    const credentials = { SCHEMA_REGISTRY_USERNAME: 'user-service', SCHEMA_REGISTRY_PASSWORD: 's3cret' };
    const auth = { username: 'user-service', password: 's3cret' };
    expect(
      loadKafkaConfig(
        { ...valid, ...credentials, SCHEMA_REGISTRY_URL: 'https://apicurio-registry:8081/apis/ccompat/v7' },
        'svc',
      ).schemaRegistry.auth,
    ).toEqual(auth);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
      const url = `http://${host}:8081/apis/ccompat/v7`;
      expect(
        loadKafkaConfig({ ...valid, ...credentials, SCHEMA_REGISTRY_URL: url }, 'svc').schemaRegistry.auth,
      ).toEqual(auth);
    }
    for (const host of ['apicurio-registry', '10.0.0.7', 'localhost.example.com', '[::2]']) {
      expect(
        issuesOf({ ...valid, ...credentials, SCHEMA_REGISTRY_URL: `http://${host}:8081/apis/ccompat/v7` }),
      ).toEqual([
        `SCHEMA_REGISTRY_URL is plain http to ${host}, so SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD would cross the network in clear text: use https (plain http only to a loopback host)`,
      ]);
    }
    // Without credentials plain http is the development setup (compose, dev cluster) and stays allowed.
    expect(
      loadKafkaConfig({ ...valid, SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7' }, 'svc'),
    ).toBeDefined();
    expect(issuesOf({ ...valid, SCHEMA_REGISTRY_USERNAME: 'user-service' })).toEqual([
      'SCHEMA_REGISTRY_PASSWORD is required when SCHEMA_REGISTRY_USERNAME is set',
    ]);
  });

  it('rejects retry and shutdown settings that are not positive whole numbers', () => {
    expect(issuesOf({ ...valid, KAFKA_HANDLER_MAX_ATTEMPTS: '0', KAFKA_SHUTDOWN_TIMEOUT_MS: 'soon' })).toEqual([
      'KAFKA_HANDLER_MAX_ATTEMPTS must be a whole number >= 1',
      'KAFKA_SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds >= 1',
    ]);
  });

  it('reads durations with units and refuses anything else, naming the variable', () => {
    const config = loadKafkaConfig(
      { ...valid, KAFKA_TRANSIENT_RETRY_FOR: '90s', KAFKA_CONSUMER_DEAD_AFTER: '1500' },
      'svc',
    );
    expect(config.retry.transientRetryForMs).toBe(90_000);
    expect(config.consumer.deadAfterMs).toBe(1500);
    expect(loadKafkaConfig({ ...valid, KAFKA_TRANSIENT_RETRY_FOR: '2h' }, 'svc').retry.transientRetryForMs).toBe(
      7_200_000,
    );
    expect(issuesOf({ ...valid, KAFKA_TRANSIENT_RETRY_FOR: 'forever', KAFKA_CONSUMER_DEAD_AFTER: '-1m' })).toEqual([
      'KAFKA_TRANSIENT_RETRY_FOR must be a duration such as 500ms, 30s, 2m or 1h',
      'KAFKA_CONSUMER_DEAD_AFTER must be a duration such as 500ms, 30s, 2m or 1h',
    ]);
  });

  it('keeps the heartbeat within a third of the session timeout', () => {
    expect(issuesOf({ ...valid, KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' })).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS must be at most a third of KAFKA_SESSION_TIMEOUT_MS (6000)',
    ]);
  });

  it('chooses the Kafka client by KAFKA_CLIENT, kafkajs unless told otherwise, and stops on any other name', () => {
    expect(loadKafkaConfig(valid, 'svc').client).toBe('kafkajs');
    expect(loadKafkaConfig({ ...valid, KAFKA_CLIENT: 'platformatic' }, 'svc').client).toBe('platformatic');
    expect(issuesOf({ ...valid, KAFKA_CLIENT: 'rdkafka' })).toEqual(['KAFKA_CLIENT must be kafkajs or platformatic']);
  });

  it('takes KAFKA_CLIENT_ID over the default', () => {
    expect(loadKafkaConfig({ ...valid, KAFKA_CLIENT_ID: 'custom-1' }, 'svc').clientId).toBe('custom-1');
  });

  it('names every missing variable', () => {
    const issues = issuesOf({});
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatch(/^KAFKA_BROKERS is required/);
    expect(issues[1]).toMatch(/^SCHEMA_REGISTRY_URL /);
  });

  it('rejects a broker without a port and a registry URL that is not http', () => {
    expect(issuesOf({ KAFKA_BROKERS: 'localhost', SCHEMA_REGISTRY_URL: 'ftp://x' })).toEqual([
      'KAFKA_BROKERS each broker must be host:port',
      'SCHEMA_REGISTRY_URL must be an http(s) URL',
    ]);
  });

  it('fails with a non-retryable error of a stable code whose message names the variable', () => {
    expect(() => loadKafkaConfig({ KAFKA_BROKERS: 'localhost:9092' }, 'svc')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        retryable: false,
        message: expect.stringContaining('SCHEMA_REGISTRY_URL'),
      }),
    );
  });
});
