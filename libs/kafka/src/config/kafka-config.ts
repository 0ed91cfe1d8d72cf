import { z } from 'zod';
import { parseEnv } from './parse-env';

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const schema = z.object({
  KAFKA_BROKERS: z
    .string({ error: 'is required (comma-separated host:port list, e.g. localhost:9092)' })
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .refine((brokers) => brokers.length > 0, 'must name at least one broker')
    .refine((brokers) => brokers.every((broker) => hostPort.test(broker)), 'each broker must be host:port'),
  KAFKA_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"')
    .optional(),
  SCHEMA_REGISTRY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
});

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly schemaRegistryUrl: string;
}

/** Reads and checks the Kafka settings once, at start-up; everything after this is typed. */
export function loadKafkaConfig(env: NodeJS.ProcessEnv, defaultClientId: string): KafkaConfig {
  const values = parseEnv(schema, env);
  return {
    brokers: values.KAFKA_BROKERS,
    clientId: values.KAFKA_CLIENT_ID ?? defaultClientId,
    schemaRegistryUrl: values.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
  };
}
