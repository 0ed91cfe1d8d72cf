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
  it('parses a broker list and trims the registry URL', () => {
    expect(loadKafkaConfig({ ...valid, KAFKA_BROKERS: 'a:9092, b:9094' }, 'svc')).toEqual({
      brokers: ['a:9092', 'b:9094'],
      clientId: 'svc',
      schemaRegistryUrl: 'http://localhost:8081/apis/ccompat/v7',
    });
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
