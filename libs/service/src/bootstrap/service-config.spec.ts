import { ConfigError } from '@kafka-platform/kafka';
import { loadServiceConfig } from './service-config';

describe('loadServiceConfig', () => {
  it('defaults the port to the service contract and the log level to info', () => {
    expect(loadServiceConfig({}, 3001)).toEqual({ port: 3001, logLevel: 'info' });
  });

  it('reads PORT and LOG_LEVEL', () => {
    expect(loadServiceConfig({ PORT: '4000', LOG_LEVEL: 'debug' }, 3001)).toEqual({ port: 4000, logLevel: 'debug' });
  });

  it.each([['abc'], ['0'], ['70000'], ['3.5']])('rejects PORT=%s naming the variable', (port) => {
    expect(() => loadServiceConfig({ PORT: port }, 3001)).toThrow(ConfigError);
    expect(() => loadServiceConfig({ PORT: port }, 3001)).toThrow(/PORT must be a whole number from 1 to 65535/);
  });

  it('rejects an unknown LOG_LEVEL naming the variable', () => {
    expect(() => loadServiceConfig({ LOG_LEVEL: 'loud' }, 3001)).toThrow(/LOG_LEVEL must be one of fatal, error/);
  });
});
