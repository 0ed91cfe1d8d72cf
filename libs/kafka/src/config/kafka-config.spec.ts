import { loadKafkaConfig } from './kafka-config';
import { ConfigError } from './parse-env';

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
      clientId: 'svc',
      schemaRegistry: { url: 'http://localhost:8081/apis/ccompat/v7', autoRegister: true },
      topics: { replicationFactor: undefined, minInsyncReplicas: undefined },
      retry: { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 10_000 },
      shutdownTimeoutMs: 10_000,
    });
  });

  it('only looks schemas up in production unless told to register', () => {
    expect(loadKafkaConfig({ ...valid, NODE_ENV: 'production' }, 'svc').schemaRegistry.autoRegister).toBe(false);
    expect(
      loadKafkaConfig({ ...valid, NODE_ENV: 'production', SCHEMA_REGISTRY_AUTO_REGISTER: 'true' }, 'svc').schemaRegistry
        .autoRegister,
    ).toBe(true);
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

  it('rejects retry and shutdown settings that are not positive whole numbers', () => {
    expect(issuesOf({ ...valid, KAFKA_HANDLER_MAX_ATTEMPTS: '0', KAFKA_SHUTDOWN_TIMEOUT_MS: 'soon' })).toEqual([
      'KAFKA_HANDLER_MAX_ATTEMPTS must be a whole number >= 1',
      'KAFKA_SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds >= 1',
    ]);
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
