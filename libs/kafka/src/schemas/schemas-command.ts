// `npm run schemas -- check|register`: the event catalog's schemas against a schema registry, for CI and deploys.
// Arguments and environment in, text (or JSON) and an exit code out; schemas-cli.ts is the process around it.
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { registryCredentialsProblem } from '../config/kafka-config';
import { ConfigError, duration, parseEnv } from '@kafka-platform/core';
import { RegistryApi, RegistryHttpError, RegistryUnreachableError } from './registry-api';
import { catalogSubjects, checkSchemas, formatReport, registerSchemas } from './schema-lifecycle';
import type { SchemasReport } from './schema-lifecycle';

export const SCHEMAS_USAGE = `usage: schemas check|register [--registry <url>] [--namespace <ns>] [--json]
       schemas check --registered [--wait <duration>]
  check         ask the registry whether every catalog schema version is registered or compatible with what the
                subject holds (by the registry's rule), in version order; prints the registry's reasons
  register      check, and refuse when anything is incompatible; then register every version in order
                (idempotent: an already registered schema keeps its id); prints subject -> version -> id
  --registered  (check) only whether every version is registered: exits 1 until it is
  --wait <d>    keep asking every 5 s, for up to <d> (30s, 5m), while the registry does not answer, (--registered)
                while a version is not registered, (register) while the registry has no global rule
  --registry    the Confluent-compatible API; default SCHEMA_REGISTRY_URL, else http://localhost:8081/apis/ccompat/v7
  --namespace   subjects of KAFKA_NAMESPACE=<ns> (<ns>.user-events-<record>); default KAFKA_NAMESPACE, else none
  --json        the result as one JSON document on stdout
Basic auth: SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD. Exit codes: 0 ok; 1 incompatible, not
registered, refused or the registry failed; 2 usage error.`;

const DEFAULT_REGISTRY = 'http://localhost:8081/apis/ccompat/v7';
// As KAFKA_NAMESPACE is checked for the services (config/kafka-config.ts).
const NAMESPACE_PATTERN = /^[a-zA-Z0-9_-]{1,60}$/;

// The variables the command reads: the registry settings the services read, and their namespace.
const envSchema = z
  .object({
    SCHEMA_REGISTRY_URL: z.string().optional(),
    SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().min(1).optional(),
    KAFKA_NAMESPACE: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.SCHEMA_REGISTRY_USERNAME && !env.SCHEMA_REGISTRY_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEMA_REGISTRY_PASSWORD'],
        message: 'is required when SCHEMA_REGISTRY_USERNAME is set',
      });
    }
  });

class UsageError extends Error {}

export interface SchemasIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: SchemasIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

interface Invocation {
  readonly command: 'check' | 'register';
  readonly registry: string;
  readonly auth?: { username: string; password: string };
  readonly namespace?: string;
  readonly registeredOnly: boolean;
  readonly waitMs: number;
  readonly json: boolean;
}

/** Runs the command; resolves to its exit code (0 ok, 1 failed, 2 usage). */
export async function runSchemasCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: SchemasIo = processIo,
  { retryEveryMs = 5_000 }: { retryEveryMs?: number } = {},
): Promise<number> {
  let invocation: Invocation;
  try {
    const parsed = parseInvocation(argv, env);
    if (parsed === 'help') {
      io.out(SCHEMAS_USAGE);
      return 0;
    }
    invocation = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`schemas: ${error.message}`);
    io.err(SCHEMAS_USAGE);
    return 2;
  }

  const api = new RegistryApi({ url: invocation.registry, ...(invocation.auth && { auth: invocation.auth }) });
  const deadline = Date.now() + invocation.waitMs;
  for (let attempt = 1; ; attempt++) {
    let waitingFor: string;
    try {
      const report = await run(api, invocation);
      waitingFor = waitReason(report);
      if (report.ok || !waitingFor || Date.now() >= deadline) {
        io.out(invocation.json ? JSON.stringify(report, null, 2) : formatReport(report));
        return report.ok ? 0 : 1;
      }
    } catch (error) {
      if (!(error instanceof RegistryUnreachableError || error instanceof RegistryHttpError)) throw error;
      if (!(error instanceof RegistryUnreachableError) || Date.now() >= deadline) {
        io.err(`schemas: ${error.message}`);
        if (invocation.json) {
          io.out(JSON.stringify({ command: invocation.command, registry: api.url, ok: false, error: error.message }));
        }
        return 1;
      }
      waitingFor = error.message;
    }
    // A line on the first wait and about once a minute after: an init container's log stays readable.
    if (attempt === 1 || attempt % Math.max(1, Math.round(60_000 / retryEveryMs)) === 0) {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      io.err(`schemas: waiting: ${waitingFor}; asking again every ${retryEveryMs / 1000} s for up to ${left} s more`);
    }
    await delay(retryEveryMs);
  }
}

function run(api: RegistryApi, invocation: Invocation): Promise<SchemasReport> {
  const { namespace } = invocation;
  return catalogSubjects(namespace).then((subjects) =>
    invocation.command === 'register'
      ? registerSchemas(api, subjects, { namespace })
      : checkSchemas(api, subjects, { namespace, registeredOnly: invocation.registeredOnly }),
  );
}

/** What a failed run may wait for (empty: nothing, e.g. an incompatible version, which waiting does not fix). */
function waitReason(report: SchemasReport): string {
  const missing = report.results.filter((result) => result.status === 'not-registered');
  if (missing.length > 0) return `${missing.length} catalog version(s) not registered yet`;
  if (report.problems.length > 0) return report.problems.join('; ');
  return '';
}

function parseInvocation(argv: readonly string[], env: NodeJS.ProcessEnv): Invocation | 'help' {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...extra] = positionals;
  if (command !== 'check' && command !== 'register') {
    throw new UsageError(command ? `unknown command "${command}"` : 'name a command: check or register');
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.registered && command !== 'check') throw new UsageError('--registered goes with check only');

  let settings: z.infer<typeof envSchema>;
  try {
    settings = parseEnv(envSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(error.issues.join('; '));
  }
  const registry =
    values.registry !== undefined
      ? httpUrl(values.registry, '--registry')
      : settings.SCHEMA_REGISTRY_URL
        ? httpUrl(settings.SCHEMA_REGISTRY_URL, 'SCHEMA_REGISTRY_URL')
        : DEFAULT_REGISTRY;
  // What the services refuse at start (config/kafka-config.ts): credentials over plain http off the machine.
  const clearText = settings.SCHEMA_REGISTRY_USERNAME ? registryCredentialsProblem(registry) : undefined;
  if (clearText) throw new UsageError(`SCHEMA_REGISTRY_USERNAME is set, but ${clearText}`);
  const namespace = values.namespace ?? (settings.KAFKA_NAMESPACE || undefined);
  if (namespace !== undefined && !NAMESPACE_PATTERN.test(namespace)) {
    const source = values.namespace !== undefined ? '--namespace' : 'KAFKA_NAMESPACE';
    throw new UsageError(`${source} must be 1 to 60 letters, digits, "_" or "-", got "${namespace}"`);
  }
  let waitMs = 0;
  if (values.wait !== undefined) {
    const wait = duration().safeParse(values.wait);
    if (!wait.success) throw new UsageError(`--wait must be a duration such as 30s, 5m or 1h, got "${values.wait}"`);
    waitMs = wait.data;
  }
  return {
    command,
    registry: registry.replace(/\/+$/, ''),
    ...(settings.SCHEMA_REGISTRY_USERNAME && {
      auth: { username: settings.SCHEMA_REGISTRY_USERNAME, password: settings.SCHEMA_REGISTRY_PASSWORD ?? '' },
    }),
    ...(namespace && { namespace }),
    registeredOnly: values.registered ?? false,
    waitMs,
    json: values.json ?? false,
  };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      registry: { type: 'string' },
      namespace: { type: 'string' },
      registered: { type: 'boolean' },
      wait: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** An http(s) URL, or a usage error naming where the value came from. */
function httpUrl(value: string, source: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${source} must be an http(s) URL such as ${DEFAULT_REGISTRY}, got "${value}"`);
  }
  return value;
}
