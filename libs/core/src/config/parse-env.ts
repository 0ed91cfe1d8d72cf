import { z } from 'zod';

/** A configuration value that is missing or wrong; the message names the variable so start-up can say it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;

  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Checks env against a schema once, naming each offending variable; the result is typed from then on. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return parsed.data;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration: `500ms`, `30s`, `2m`, `1h`, or a plain number of milliseconds; parsed to milliseconds.
 * One form for every time setting, so `1h` never has to be written as 3600000.
 */
export const duration = () =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'must be a duration such as 500ms, 30s, 2m or 1h')
    .transform((value) => {
      const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value) as RegExpExecArray;
      return Math.round(Number(amount) * UNIT_MS[(unit ?? 'ms') as keyof typeof UNIT_MS]);
    })
    .refine((ms) => ms >= 1, 'must be at least 1ms');
