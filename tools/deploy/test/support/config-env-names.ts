// The environment variables a service reads, taken from the source of its config schemas (zod objects passed to
// parseEnv), so a manifest that sets a misspelt or retired variable fails a test instead of being ignored at run time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..', '..');

/**
 * The libraries an app runs with: its package.json's @kafka-platform/* dependencies and theirs, as libs/<name>.
 * The services run with libs/platform, libs/kafka and libs/messaging (and what those use); a stream processor on
 * libs/kafka alone never reads the platform's HTTP, database or token settings, so they are no names of its.
 */
export function appLibs(app: string): string[] {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const manifest = join(repoRoot, dir, 'package.json');
    if (!existsSync(manifest)) throw new Error(`${dir}/package.json is missing`);
    const dependencies = (JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> })
      .dependencies;
    for (const name of Object.keys(dependencies ?? {}).filter((dep) => dep.startsWith('@kafka-platform/'))) {
      const lib = `libs/${name.slice('@kafka-platform/'.length)}`;
      if (!seen.has(lib)) {
        seen.add(lib);
        visit(lib);
      }
    }
  };
  visit(`apps/${app}`);
  return [...seen].sort();
}

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
/** The OTEL_* names only reach an app that starts the SDK (runs with libs/telemetry). */
const runtimeEnvNames = (libs: readonly string[]): string[] =>
  libs.includes('libs/telemetry') ? RUNTIME_ENV_NAMES : RUNTIME_ENV_NAMES.filter((name) => !name.startsWith('OTEL_'));

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
  const libs = appLibs(app);
  const files = [...libs.map((lib) => `${lib}/src`), `apps/${app}/src`]
    .flatMap((dir) => sourceFiles(join(repoRoot, dir)))
    .filter((file) => schemaKeys(readFileSync(file, 'utf8')).length > 0);
  const names = new Set([...files.flatMap((file) => schemaKeys(readFileSync(file, 'utf8'))), ...runtimeEnvNames(libs)]);
  return { names, files: files.map((file) => relative(repoRoot, file)) };
}
