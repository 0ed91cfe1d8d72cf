import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseEnv } from './parse-env';

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const flag = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true');
const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(1, `must be ${what}`);

const schema = z
  .object({
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
    KAFKA_SASL_MECHANISM: z
      .enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'must be plain, scram-sha-256 or scram-sha-512' })
      .optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    KAFKA_TLS: flag.optional(),
    KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
    KAFKA_TLS_CERT_FILE: z.string().min(1).optional(),
    KAFKA_TLS_KEY_FILE: z.string().min(1).optional(),
    SCHEMA_REGISTRY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
    SCHEMA_REGISTRY_AUTO_REGISTER: flag.optional(),
    NODE_ENV: z.string().optional(),
    KAFKA_NAMESPACE: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,60}$/, 'must be 1 to 60 letters, digits, "_" or "-"')
      .optional(),
    KAFKA_TOPIC_REPLICATION_FACTOR: positiveInt('a whole number >= 1').optional(),
    KAFKA_TOPIC_MIN_INSYNC_REPLICAS: positiveInt('a whole number >= 1').optional(),
    KAFKA_HANDLER_MAX_ATTEMPTS: positiveInt('a whole number >= 1').default(5),
    KAFKA_RETRY_INITIAL_MS: positiveInt('a whole number of milliseconds >= 1').default(200),
    KAFKA_RETRY_MAX_MS: positiveInt('a whole number of milliseconds >= 1').default(10_000),
    KAFKA_SHUTDOWN_TIMEOUT_MS: positiveInt('a whole number of milliseconds >= 1').default(10_000),
  })
  .superRefine((env, ctx) => {
    const needs = (field: keyof typeof env, when: string) =>
      !env[field] && ctx.addIssue({ code: 'custom', path: [field], message: `is required when ${when}` });
    if (env.KAFKA_SASL_MECHANISM) {
      needs('KAFKA_SASL_USERNAME', 'KAFKA_SASL_MECHANISM is set');
      needs('KAFKA_SASL_PASSWORD', 'KAFKA_SASL_MECHANISM is set');
    }
    if (env.KAFKA_TLS_CERT_FILE) needs('KAFKA_TLS_KEY_FILE', 'KAFKA_TLS_CERT_FILE is set');
    if (env.SCHEMA_REGISTRY_USERNAME) needs('SCHEMA_REGISTRY_PASSWORD', 'SCHEMA_REGISTRY_USERNAME is set');
  });

export interface KafkaSasl {
  readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface KafkaTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface RetryPolicy {
  /** Attempts per record for retryable failures, the first one included; then the record goes to the DLQ. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly sasl?: KafkaSasl;
  /** TLS is on when any TLS setting is given; absent means plaintext. */
  readonly tls?: KafkaTlsFiles;
  readonly schemaRegistry: {
    readonly url: string;
    readonly auth?: { readonly username: string; readonly password: string };
    /** Register schemas on first use (development); in production only look up ids registered by CI. */
    readonly autoRegister: boolean;
  };
  readonly topics: {
    readonly replicationFactor?: number;
    readonly minInsyncReplicas?: number;
    /**
     * Prefix (`<namespace>.`) for every topic and consumer group: several environments or test runs share one
     * cluster without seeing each other. Unset in the contract's deployments: `user-events`, `email-service`.
     */
    readonly namespace?: string;
  };
  readonly retry: RetryPolicy;
  readonly shutdownTimeoutMs: number;
}

/** Reads and checks the Kafka settings once, at start-up; everything after this is typed. */
export function loadKafkaConfig(env: NodeJS.ProcessEnv, defaultClientId: string): KafkaConfig {
  const values = parseEnv(schema, env);
  const tlsOn =
    values.KAFKA_TLS ?? Boolean(values.KAFKA_TLS_CA_FILE || values.KAFKA_TLS_CERT_FILE || values.KAFKA_SASL_MECHANISM);
  return {
    brokers: values.KAFKA_BROKERS,
    clientId: values.KAFKA_CLIENT_ID ?? defaultClientId,
    ...(values.KAFKA_SASL_MECHANISM && {
      sasl: {
        mechanism: values.KAFKA_SASL_MECHANISM,
        username: values.KAFKA_SASL_USERNAME ?? '',
        password: values.KAFKA_SASL_PASSWORD ?? '',
      },
    }),
    ...(tlsOn && {
      tls: {
        caFile: values.KAFKA_TLS_CA_FILE,
        certFile: values.KAFKA_TLS_CERT_FILE,
        keyFile: values.KAFKA_TLS_KEY_FILE,
      },
    }),
    schemaRegistry: {
      url: values.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
      ...(values.SCHEMA_REGISTRY_USERNAME && {
        auth: { username: values.SCHEMA_REGISTRY_USERNAME, password: values.SCHEMA_REGISTRY_PASSWORD ?? '' },
      }),
      autoRegister: values.SCHEMA_REGISTRY_AUTO_REGISTER ?? values.NODE_ENV !== 'production',
    },
    topics: {
      replicationFactor: values.KAFKA_TOPIC_REPLICATION_FACTOR,
      minInsyncReplicas: values.KAFKA_TOPIC_MIN_INSYNC_REPLICAS,
      namespace: values.KAFKA_NAMESPACE,
    },
    retry: {
      maxAttempts: values.KAFKA_HANDLER_MAX_ATTEMPTS,
      initialDelayMs: values.KAFKA_RETRY_INITIAL_MS,
      maxDelayMs: values.KAFKA_RETRY_MAX_MS,
    },
    shutdownTimeoutMs: values.KAFKA_SHUTDOWN_TIMEOUT_MS,
  };
}

/** TLS material as the client wants it; the CA is pinned when given, and verification is never turned off. */
export async function readTlsFiles(tls: KafkaTlsFiles): Promise<{ ca?: string; cert?: string; key?: string }> {
  const read = (file?: string) => (file ? readFile(file, 'utf8') : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}
