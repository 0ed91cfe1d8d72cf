import { parseEnv } from '@kafka-platform/kafka';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type ServiceLogLevel = (typeof LOG_LEVELS)[number];

export interface ServiceConfig {
  readonly port: number;
  readonly logLevel: ServiceLogLevel;
  /** Only for services with a database; checked to be a postgres URL. */
  readonly databaseUrl?: string;
}

const portSchema = (defaultPort: number) =>
  z.coerce
    .number({ error: 'must be a whole number from 1 to 65535' })
    .int('must be a whole number from 1 to 65535')
    .min(1, 'must be a whole number from 1 to 65535')
    .max(65535, 'must be a whole number from 1 to 65535')
    .default(defaultPort);

const databaseUrlSchema = z
  .string({ error: 'is required (postgresql://user:password@host:5432/database)' })
  .refine((value) => /^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(value), {
    error: 'must be a postgresql://user:password@host:port/database URL',
  });

export function loadServiceConfig(
  env: NodeJS.ProcessEnv,
  defaultPort: number,
  options: { database?: boolean } = {},
): ServiceConfig {
  const values = parseEnv(
    z.object({
      PORT: portSchema(defaultPort),
      LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
      DATABASE_URL: options.database ? databaseUrlSchema : z.string().optional(),
    }),
    env,
  );
  return {
    port: values.PORT,
    logLevel: values.LOG_LEVEL,
    ...(options.database && { databaseUrl: values.DATABASE_URL }),
  };
}
