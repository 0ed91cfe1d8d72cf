import { databaseUrl, stackEndpoints } from './endpoints';

describe('stackEndpoints', () => {
  it('defaults to the local stack', () => {
    expect(stackEndpoints({})).toEqual({
      kafkaBrokers: ['localhost:9092'],
      schemaRegistryUrl: 'http://localhost:8081/apis/ccompat/v7',
      postgres: { host: '127.0.0.1', port: 5432 },
      smtp: { host: 'localhost', port: 1025 },
      mailApiUrl: 'http://localhost:8025',
      oidcIssuerUrl: 'http://localhost:8180/realms/kafka-platform',
    });
  });

  it('takes every endpoint from env when given', () => {
    const endpoints = stackEndpoints({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/ccompat/v7',
      PGHOST: 'db',
      PGPORT: '6543',
      SMTP_HOST: 'mail',
      SMTP_PORT: '2525',
      MAIL_API_URL: 'http://mail:8025/',
      OIDC_ISSUER_URL: 'https://id.example.com/realms/kafka-platform/',
    });
    expect(endpoints.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
    expect(endpoints.postgres).toEqual({ host: 'db', port: 6543 });
    expect(endpoints.smtp).toEqual({ host: 'mail', port: 2525 });
    expect(endpoints.mailApiUrl).toBe('http://mail:8025');
    expect(endpoints.oidcIssuerUrl).toBe('https://id.example.com/realms/kafka-platform');
  });

  it('builds per-database URLs with the role named after the database unless PGUSER is set', () => {
    expect(databaseUrl('email_service', {})).toBe(
      'postgresql://email_service:email_service@127.0.0.1:5432/email_service',
    );
    expect(databaseUrl('email_service', { PGUSER: 'ci', PGPASSWORD: 'p@ss' })).toBe(
      'postgresql://ci:p%40ss@127.0.0.1:5432/email_service',
    );
  });
});
