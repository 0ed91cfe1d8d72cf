import { parseEnv } from '@kafka-platform/core';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type ServiceLogLevel = (typeof LOG_LEVELS)[number];

export interface ServiceConfig {
  readonly port: number;
  /** /metrics and /docs (see ManagementServer); 0 = any free port (tests). */
  readonly managementPort: number;
  readonly logLevel: ServiceLogLevel;
  /** Only for services with a database; checked to be a postgres URL. */
  readonly databaseUrl?: string;
  /** Record a new Kafka cluster in the database instead of refusing it (see KafkaClusterBinding). */
  readonly kafkaClusterRebind: boolean;
}

const portSchema = (defaultPort: number, lowest = 1) => {
  const error = `must be a whole number from ${lowest} to 65535`;
  return z.coerce.number({ error }).int(error).min(lowest, error).max(65535, error).default(defaultPort);
};

/** The management port's default: the API port + 6000 (user-service 9001, email-service 9002, dashboard 9003). */
export const MANAGEMENT_PORT_OFFSET = 6000;

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
      MANAGEMENT_PORT: portSchema(defaultPort + MANAGEMENT_PORT_OFFSET, 0),
      LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
      DATABASE_URL: options.database ? databaseUrlSchema : z.string().optional(),
      KAFKA_CLUSTER_REBIND: z
        .enum(['true', 'false'], { error: 'must be true or false' })
        .default('false')
        .transform((value) => value === 'true'),
    }),
    env,
  );
  return {
    port: values.PORT,
    managementPort: values.MANAGEMENT_PORT,
    logLevel: values.LOG_LEVEL,
    ...(options.database && { databaseUrl: values.DATABASE_URL }),
    kafkaClusterRebind: values.KAFKA_CLUSTER_REBIND,
  };
}
