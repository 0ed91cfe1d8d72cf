import { z } from 'zod';
import { ConfigError, duration, parseEnv } from './parse-env';

describe('parseEnv', () => {
  const schema = z.object({ PORT: z.coerce.number().int().positive(), RETRY_FOR: duration() });

  it('returns the typed config, durations in milliseconds', () => {
    expect(parseEnv(schema, { PORT: '3001', RETRY_FOR: '2m' })).toEqual({ PORT: 3001, RETRY_FOR: 120_000 });
  });

  it('names every offending variable in one ConfigError, marked not retryable', () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: 'many', RETRY_FOR: 'soon' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false });
    expect((error as ConfigError).issues).toEqual([
      expect.stringMatching(/^PORT /),
      expect.stringMatching(/^RETRY_FOR must be a duration/),
    ]);
  });
});
