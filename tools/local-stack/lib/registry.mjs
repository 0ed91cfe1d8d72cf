// Apicurio Registry from Maven Central's runnable distribution, storing schemas in PostgreSQL so that
// schema ids (which Kafka records carry) outlive a registry restart.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { databaseUrl } from './postgres.mjs';
import { findJava, requireMaven } from './prerequisites.mjs';
import { logFile, run, runningPid, StackError, startDetached, tail } from './processes.mjs';
import { cacheDir, registry, stackDir } from './settings.mjs';

const distDir = join(cacheDir, `apicurio-registry-${registry.version}`);
const artifact = `io.apicurio:apicurio-registry-app:${registry.version}:tar.gz:all`;
export const registryUrl = `http://localhost:${registry.port}`;
export const ccompatUrl = `${registryUrl}/apis/ccompat/v7`;

// Apicurio Registry 3.3 is compiled for Java 21 (class file 65); Kafka itself is content with 17.
const java = () => findJava(21, 'Apicurio Registry 3.3');

async function prepareRegistry(log) {
  await java();
  await ensureDistribution(log);
}

async function ensureDistribution(log) {
  if (existsSync(join(distDir, 'quarkus-run.jar'))) return;
  await requireMaven();
  log(`Resolving Apicurio Registry ${registry.version} from Maven Central (once; cached in ${distDir})`);
  const staging = `${distDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${staging}`]);
  const archive = join(staging, `apicurio-registry-app-${registry.version}-all.tar.gz`);
  await run('tar', ['-xzf', archive, '-C', staging]);
  rmSync(archive);
  if (!existsSync(join(staging, 'quarkus-run.jar'))) {
    throw new StackError(`${artifact} did not contain quarkus-run.jar at its root; check the registry version.`);
  }
  rmSync(distDir, { recursive: true, force: true });
  renameSync(staging, distDir);
}

/** Starts the registry unless it runs; prepareRegistry has resolved the distribution. */
async function startRegistry() {
  if (runningPid('registry')) return;
  const jdbc = databaseUrl(registry.database).replace(/^postgresql:\/\/[^@]+@/, 'jdbc:postgresql://');
  startDetached(
    'registry',
    await java(),
    [
      `-Xmx${registry.heap}`,
      `-Dlocal.stack.home=${stackDir}`,
      // Loopback only, the API and the management interface alike (Quarkus binds 0.0.0.0 by default): this
      // registry has no authentication.
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${registry.port}`,
      // Health and metrics live on Quarkus' management port, 9000 by default: a port too many tools want.
      '-Dquarkus.management.host=127.0.0.1',
      `-Dquarkus.management.port=${registry.managementPort}`,
      '-Dapicurio.storage.kind=sql',
      '-Dapicurio.storage.sql.kind=postgresql',
      `-Dapicurio.datasource.url=${jdbc}`,
      `-Dapicurio.datasource.username=${registry.database}`,
      `-Dapicurio.datasource.password=${registry.database}`,
      '-Dapicurio.datasource.jdbc.initial-size=2',
      '-Dapicurio.datasource.jdbc.min-size=2',
      '-Dapicurio.datasource.jdbc.max-size=20',
      '-jar',
      join(distDir, 'quarkus-run.jar'),
    ],
    { cwd: distDir },
  );
}

/** Real request: the Confluent-compatible API lists subjects. */
export async function registryAnswers() {
  const response = await fetch(`${ccompatUrl}/subjects`, { signal: AbortSignal.timeout(3000) });
  return response.ok && Array.isArray(await response.json());
}

/** The platform's compatibility rule: every new schema version must read the data of every earlier one. */
export const COMPATIBILITY_RULE = 'BACKWARD_TRANSITIVE';

/**
 * A global BACKWARD_TRANSITIVE rule: without any rule Apicurio accepts every schema change. Transitive, as the
 * local gate in libs/events (compatibility.spec.ts) checks each version against all earlier ones, not just the
 * one before: records of every version stay in the log, and a consumer on the newest schema must read them all.
 * Replaces any other global level (an older stack's BACKWARD). `base` is the registry's root URL.
 */
export async function ensureGlobalCompatibilityRule(base = registryUrl) {
  const rules = `${base}/apis/registry/v3/admin/rules`;
  const current = await fetch(`${rules}/COMPATIBILITY`);
  if (current.ok && (await current.json()).config === COMPATIBILITY_RULE) return 'unchanged';
  const body = JSON.stringify({ ruleType: 'COMPATIBILITY', config: COMPATIBILITY_RULE });
  const headers = { 'content-type': 'application/json' };
  // 404 = no global rule yet (POST creates it); otherwise one exists with another value (PUT replaces it).
  const response = current.ok
    ? await fetch(`${rules}/COMPATIBILITY`, { method: 'PUT', headers, body })
    : await fetch(rules, { method: 'POST', headers, body });
  if (!response.ok) {
    throw new StackError(
      `Setting the registry's global ${COMPATIBILITY_RULE} rule failed: ${response.status} ${await response.text()}`,
    );
  }
  return current.ok ? 'changed' : 'created';
}

export const registryComponent = {
  key: 'registry',
  processes: ['registry'],
  ports: [
    [registry.port, 'Apicurio Registry'],
    [registry.managementPort, 'Apicurio Registry health and metrics'],
  ],
  endpoint: ccompatUrl,
  needsPostgres: true,
  prepare: prepareRegistry,
  start: startRegistry,
  answers: registryAnswers,
  afterReady: () => ensureGlobalCompatibilityRule(),
  explainExit: () => tail(logFile('registry'), 60),
  timeoutMs: 180_000,
};
