import { ConfigError } from '@kafka-platform/core';
import { loadServiceConfig } from './service-config';

describe('loadServiceConfig', () => {
  it('defaults the ports to the service contract (management: +6000) and the log level to info', () => {
    expect(loadServiceConfig({}, 3001)).toEqual({
      port: 3001,
      managementPort: 9001,
      logLevel: 'info',
      kafkaClusterRebind: false,
    });
  });

  it('reads PORT, MANAGEMENT_PORT (0: any free port) and LOG_LEVEL', () => {
    expect(loadServiceConfig({ PORT: '4000', MANAGEMENT_PORT: '0', LOG_LEVEL: 'debug' }, 3001)).toEqual({
      port: 4000,
      managementPort: 0,
      logLevel: 'debug',
      kafkaClusterRebind: false,
    });
    expect(() => loadServiceConfig({ MANAGEMENT_PORT: '-1' }, 3001)).toThrow(
      /MANAGEMENT_PORT must be a whole number from 0 to 65535/,
    );
  });

  it.each([['abc'], ['0'], ['70000'], ['3.5']])('rejects PORT=%s naming the variable', (port) => {
    expect(() => loadServiceConfig({ PORT: port }, 3001)).toThrow(ConfigError);
    expect(() => loadServiceConfig({ PORT: port }, 3001)).toThrow(/PORT must be a whole number from 1 to 65535/);
  });

  it('reads KAFKA_CLUSTER_REBIND as a flag, naming it when it is not one', () => {
    expect(loadServiceConfig({ KAFKA_CLUSTER_REBIND: 'true' }, 3001).kafkaClusterRebind).toBe(true);
    expect(() => loadServiceConfig({ KAFKA_CLUSTER_REBIND: 'yes' }, 3001)).toThrow(
      /KAFKA_CLUSTER_REBIND must be true or false/,
    );
  });

  it('rejects an unknown LOG_LEVEL naming the variable', () => {
    expect(() => loadServiceConfig({ LOG_LEVEL: 'loud' }, 3001)).toThrow(/LOG_LEVEL must be one of fatal, error/);
  });
});

describe('loadServiceConfig with a database', () => {
  it('requires DATABASE_URL naming the variable', () => {
    expect(() => loadServiceConfig({}, 3001, { database: true })).toThrow(/DATABASE_URL is required/);
  });

  it('rejects a DATABASE_URL that is not a postgres URL', () => {
    expect(() => loadServiceConfig({ DATABASE_URL: 'mysql://x/y' }, 3001, { database: true })).toThrow(
      /DATABASE_URL must be a postgresql:/,
    );
  });

  it('reads DATABASE_URL', () => {
    const url = 'postgresql://user_service:user_service@127.0.0.1:5432/user_service';
    expect(loadServiceConfig({ DATABASE_URL: url }, 3001, { database: true }).databaseUrl).toBe(url);
  });
});
