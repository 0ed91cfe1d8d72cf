import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { duration, parseEnv } from '@kafka-platform/core';

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
    KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic'], { error: 'must be kafkajs or platformatic' }).default('kafkajs'),
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
    KEY_ENCRYPTION_KEY: z
      .string()
      .transform((value) => Buffer.from(value, 'base64'))
      .refine((key) => key.length === 32, 'must be 32 random bytes, base64 (openssl rand -base64 32)')
      .optional(),
    USER_KEY_WAIT_MS: positiveInt('a whole number of milliseconds >= 1').default(15_000),
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
    KAFKA_TRANSIENT_RETRY_FOR: duration().prefault('1h'),
    KAFKA_CONSUMER_DEAD_AFTER: duration().prefault('2m'),
    // Kafka's default (45 s, kafkajs' 30 s) leaves a dead member's partitions idle that long; 10 s moves them
    // within about 15 s (session + one heartbeat + the rebalance) while a GC pause or a slow poll still fits.
    KAFKA_SESSION_TIMEOUT_MS: positiveInt('a whole number of milliseconds >= 1').default(10_000),
    // A third of the session, as Kafka recommends: two heartbeats may be lost before the member is dropped.
    KAFKA_HEARTBEAT_INTERVAL_MS: positiveInt('a whole number of milliseconds >= 1').default(3_000),
    // One record at a time per partition by default: a handler with an effect outside its transaction (a mail) has
    // each record in flight as a window for a duplicate when the process dies or the database restarts (8 keys at
    // once sent 2-3 welcome mails twice in the fault suite, against none). Raise it for handlers that wait on I/O
    // and whose every effect is in the database: the runtime keeps each key in order and commits only finished runs.
    KAFKA_KEY_CONCURRENCY: positiveInt('a whole number >= 1').default(1),
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
    // PLAIN sends the password itself: without TLS anyone on the path reads it, and with it the service's rights.
    // TLS is on by default once a mechanism is set, so only an explicit KAFKA_TLS=false gets here. SCRAM stays
    // allowed without TLS: its challenge-response never puts the password on the wire, and the encryption may come
    // from below the process (a service mesh's mTLS, where the client sees plain TCP). Records still travel in clear
    // then, and a captured exchange can be guessed offline, so long random passwords (Strimzi's) matter.
    if (env.KAFKA_SASL_MECHANISM === 'plain' && env.KAFKA_TLS === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_MECHANISM'],
        message:
          'plain sends KAFKA_SASL_PASSWORD in clear text and KAFKA_TLS=false turns TLS off: turn TLS on (KAFKA_TLS=true or unset) or use scram-sha-256 / scram-sha-512',
      });
    }
    const registryHost = plainHttpHost(env.SCHEMA_REGISTRY_URL);
    if (env.SCHEMA_REGISTRY_USERNAME && registryHost !== undefined && !isLoopbackHost(registryHost)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEMA_REGISTRY_URL'],
        message: `is plain http to ${registryHost}, so SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD would cross the network in clear text: use https (plain http only to a loopback host)`,
      });
    }
    if (env.NODE_ENV === 'production' && !env.KEY_ENCRYPTION_KEY) {
      // The development key is in the repository: in production it would encrypt nothing.
      needs('KEY_ENCRYPTION_KEY', 'NODE_ENV=production (the development key is public)');
    }
    if (env.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > env.KAFKA_SESSION_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_HEARTBEAT_INTERVAL_MS'],
        message: `must be at most a third of KAFKA_SESSION_TIMEOUT_MS (${env.KAFKA_SESSION_TIMEOUT_MS})`,
      });
    }
  });

/** The host of a plain `http:` URL; undefined for https (or a value that is no URL, which the schema reports). */
function plainHttpHost(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' ? parsed.hostname : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a host name stays on this machine (localhost, 127.0.0.0/8, ::1): the one place where credentials may go
 * over plain http, as to the local stack's registry. Not `*.localhost`, which only some resolvers keep local. A URL's
 * hostname keeps IPv6 brackets: `[::1]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Why credentials may not go to this registry URL (plain http off the machine), or undefined when they may; for
 * the other readers of SCHEMA_REGISTRY_URL (the schemas command) to refuse what the services refuse.
 */
export function registryCredentialsProblem(url: string): string | undefined {
  const host = plainHttpHost(url);
  return host !== undefined && !isLoopbackHost(host)
    ? `${url} is plain http to ${host}: the registry credentials would cross the network in clear text (use https; plain http only to a loopback host)`
    : undefined;
}

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
  /**
   * Attempts per record for a failure of unknown cause (most likely a bug), the first one included; then the
   * record goes to the DLQ.
   */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  /** Cap of the exponential backoff between attempts. */
  readonly maxDelayMs: number;
  /** How long a record is retried while a dependency is down before it is dead-lettered after all. */
  readonly transientRetryForMs: number;
}

export interface ConsumerTimings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** A consumer crashed or not running for longer than this fails liveness, so the orchestrator restarts it. */
  readonly deadAfterMs: number;
  /** Records of different keys handled at once within a partition (ConsumerRuntimeOptions.keyConcurrency). */
  readonly keyConcurrency: number;
}

/** The library behind KafkaClientPort: both pass the same real-Kafka suites (`nx run kafka:conformance`). */
export type KafkaClientKind = 'kafkajs' | 'platformatic';

export interface KafkaConfig {
  readonly brokers: readonly string[];
  /** `kafkajs` (default) or `platformatic` (@platformatic/kafka); KAFKA_CLIENT. */
  readonly client: KafkaClientKind;
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
  readonly consumer: ConsumerTimings;
  readonly shutdownTimeoutMs: number;
  readonly personalData: {
    /** Wraps every user's data key on user-keys (KEY_ENCRYPTION_KEY; a public development key outside production). */
    readonly keyEncryptionKey: Buffer;
    /** How long a consumer waits for a data key not read yet before the record is retried (USER_KEY_WAIT_MS). */
    readonly keyWaitMs: number;
  };
}

/**
 * The key-encryption key of development and tests (local stack, npm start, CI): public, so production refuses to
 * start without its own KEY_ENCRYPTION_KEY. Every process of one environment must share the same key.
 */
export const DEVELOPMENT_KEY_ENCRYPTION_KEY = Buffer.from('a2Fma2EtcGxhdGZvcm0gZGV2ZWxvcG1lbnQga2V5ISE=', 'base64');

/** Reads and checks the Kafka settings once, at start-up; everything after this is typed. */
export function loadKafkaConfig(env: NodeJS.ProcessEnv, defaultClientId: string): KafkaConfig {
  const values = parseEnv(schema, env);
  const tlsOn =
    values.KAFKA_TLS ?? Boolean(values.KAFKA_TLS_CA_FILE || values.KAFKA_TLS_CERT_FILE || values.KAFKA_SASL_MECHANISM);
  return {
    brokers: values.KAFKA_BROKERS,
    client: values.KAFKA_CLIENT,
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
      transientRetryForMs: values.KAFKA_TRANSIENT_RETRY_FOR,
    },
    consumer: {
      sessionTimeoutMs: values.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: values.KAFKA_HEARTBEAT_INTERVAL_MS,
      deadAfterMs: values.KAFKA_CONSUMER_DEAD_AFTER,
      keyConcurrency: values.KAFKA_KEY_CONCURRENCY,
    },
    shutdownTimeoutMs: values.KAFKA_SHUTDOWN_TIMEOUT_MS,
    personalData: {
      keyEncryptionKey: values.KEY_ENCRYPTION_KEY ?? DEVELOPMENT_KEY_ENCRYPTION_KEY,
      keyWaitMs: values.USER_KEY_WAIT_MS,
    },
  };
}

/** TLS material as the client wants it; the CA is pinned when given, and verification is never turned off. */
export async function readTlsFiles(tls: KafkaTlsFiles): Promise<{ ca?: string; cert?: string; key?: string }> {
  const read = (file?: string) => (file ? readFile(file, 'utf8') : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}
