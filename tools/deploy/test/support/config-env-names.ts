// The environment variables a service reads, taken from the source of its config schemas (zod objects passed to
// parseEnv), so a manifest that sets a misspelt or retired variable fails a test instead of being ignored at run time.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..', '..');

/** Libraries every service runs with: their config schemas apply to all three. */
const SHARED_LIBS = ['libs/platform/src', 'libs/kafka/src', 'libs/messaging/src'];

/** The OpenTelemetry SDK's own variables (libs/telemetry) that the README's Tracing section names. */
const OTEL_ENV_NAMES = [
  'OTEL_SDK_DISABLED',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_EXPORTER',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_PROPAGATORS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_CERTIFICATE',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_LOG_LEVEL',
];

/**
 * Read by Node or a dependency rather than a schema; harmless to set on any service. NODE_EXTRA_CA_CERTS: a CA Node
 * adds to the ones it trusts at start (k8s/overlays/prod: the schema registry's, for the Confluent client and fetch).
 * OTEL_*: read by the OpenTelemetry SDK.
 */
export const RUNTIME_ENV_NAMES = [
  'NODE_ENV',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'KAFKAJS_NO_PARTITIONER_WARNING',
  ...OTEL_ENV_NAMES,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['test-support', 'generated'].includes(entry.name) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The UPPER_CASE keys of the schema objects in a file that calls parseEnv. */
export function schemaKeys(source: string): string[] {
  if (!/\bparseEnv\(/.test(source)) return [];
  return [...source.matchAll(/^\s+([A-Z][A-Z0-9_]*)\s*:/gm)].map((match) => match[1] as string);
}

/** Every variable a service's config schemas read, and the files they come from (for failure messages). */
export function configEnvNames(app: string): { names: Set<string>; files: string[] } {
  const files = [...SHARED_LIBS, `apps/${app}/src`]
    .flatMap((dir) => sourceFiles(join(repoRoot, dir)))
    .filter((file) => schemaKeys(readFileSync(file, 'utf8')).length > 0);
  const names = new Set([...files.flatMap((file) => schemaKeys(readFileSync(file, 'utf8'))), ...RUNTIME_ENV_NAMES]);
  return { names, files: files.map((file) => relative(repoRoot, file)) };
}
