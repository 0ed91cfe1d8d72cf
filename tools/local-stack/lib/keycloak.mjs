// Keycloak, the platform's OpenID Connect provider, from Maven Central's distribution
// (org.keycloak:keycloak-quarkus-dist) with its data in PostgreSQL: resolve once into the cache, `kc.sh build` once per
// version and build options, then `kc.sh start --optimized` on loopback, importing the realm kafka-platform from
// deploy/keycloak on every start.
//
// The distribution in the cache is shared and stays as built; Keycloak runs from a home in the stack's state
// (its own kc.sh, the distribution's lib, conf, themes and providers linked in, a data dir of its own), where
// --import-realm reads data/import. The import skips a realm that exists (IGNORE_EXISTING), so a changed realm file
// would never apply: the stack keeps the hash of the file it last imported and, when the file differs, starts
// Keycloak on a recreated, empty database.
//
// The process the stack tracks is kc.sh, which runs the JVM as its child (and forwards SIGTERM to it); a stop
// signals the whole process group, so both go.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { databaseUrl, recreateDatabase } from './postgres.mjs';
import { findJava, requireMaven } from './prerequisites.mjs';
import { logFile, run, runningPid, StackError, startDetached, tail } from './processes.mjs';
import { cacheDir, keycloak, paths, repoRoot, stackDir } from './settings.mjs';

const distDir = join(cacheDir, `keycloak-${keycloak.version}`);
const artifact = `org.keycloak:keycloak-quarkus-dist:${keycloak.version}:tar.gz`;
const stateDir = join(paths.data, 'keycloak');
const homeDir = join(stateDir, 'home');
const importedFile = join(stateDir, 'imported-realm.sha256');
const realmFile = join(repoRoot, 'deploy', 'keycloak', `${keycloak.realm}-realm.json`);
// Build-time options: baked into the distribution by `kc.sh build`, so `start --optimized` skips that step.
const BUILD_OPTIONS = ['--db=postgres', '--health-enabled=true', '--metrics-enabled=true'];
const buildMarker = join(distDir, '.local-stack-build');
const buildStamp = `${keycloak.version} ${BUILD_OPTIONS.join(' ')}`;

export const keycloakUrl = `http://localhost:${keycloak.port}`;
/** What tokens carry as `iss`, and what the services' OIDC_ISSUER_URL defaults to. */
export const issuerUrl = `${keycloakUrl}/realms/${keycloak.realm}`;
export const adminConsoleUrl = `${keycloakUrl}/admin/`;
/** The bootstrap admin of the master realm: the local stack's only, never a deployment's. */
const BOOTSTRAP_ADMIN = { username: 'admin', password: 'admin' };

// Keycloak 26 runs on Java 21 or newer, as the registry does.
const java = () => findJava(21, 'Keycloak 26');

async function prepareKeycloak(log) {
  await java();
  if (!existsSync(realmFile)) throw new StackError(`The realm file ${realmFile} is missing; Keycloak imports it.`);
  await ensureDistribution(log);
  await ensureBuilt(log);
}

async function ensureDistribution(log) {
  if (existsSync(join(distDir, 'bin', 'kc.sh'))) return;
  await requireMaven();
  log(`Resolving Keycloak ${keycloak.version} from Maven Central (once; cached in ${distDir})`);
  const staging = `${distDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await run('mvn', ['-B', '-q', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${staging}`]);
  const archive = join(staging, `keycloak-quarkus-dist-${keycloak.version}.tar.gz`);
  await run('tar', ['-xzf', archive, '-C', staging]);
  rmSync(archive);
  const unpacked = join(staging, `keycloak-${keycloak.version}`);
  if (!existsSync(join(unpacked, 'bin', 'kc.sh'))) {
    throw new StackError(`${artifact} did not unpack to keycloak-${keycloak.version}/bin/kc.sh; check the version.`);
  }
  rmSync(distDir, { recursive: true, force: true });
  renameSync(unpacked, distDir);
  rmSync(staging, { recursive: true, force: true });
}

/** `kc.sh build` unless the distribution was built for this version with these options. */
async function ensureBuilt(log) {
  if (existsSync(buildMarker) && readFileSync(buildMarker, 'utf8').trim() === buildStamp) return;
  log(
    `Building Keycloak ${keycloak.version} for PostgreSQL (kc.sh build ${BUILD_OPTIONS.join(' ')}; once per version and options)`,
  );
  rmSync(buildMarker, { force: true });
  await run(join(distDir, 'bin', 'kc.sh'), ['build', ...BUILD_OPTIONS], {
    cwd: distDir,
    env: { ...process.env, JAVA: await java() },
  });
  writeFileSync(buildMarker, buildStamp);
}

/** Keycloak's home in the stack's state: the distribution linked in, the realm to import, a data dir of its own. */
function prepareHome() {
  mkdirSync(join(homeDir, 'bin'), { recursive: true });
  // A copy, not a link: kc.sh takes its home from its own resolved path.
  copyFileSync(join(distDir, 'bin', 'kc.sh'), join(homeDir, 'bin', 'kc.sh'));
  for (const dir of ['lib', 'conf', 'themes', 'providers']) {
    rmSync(join(homeDir, dir), { recursive: true, force: true });
    symlinkSync(join(distDir, dir), join(homeDir, dir));
  }
  const importDir = join(homeDir, 'data', 'import');
  rmSync(importDir, { recursive: true, force: true });
  mkdirSync(importDir, { recursive: true });
  const realm = readFileSync(realmFile);
  writeFileSync(join(importDir, `${keycloak.realm}-realm.json`), realm);
  return createHash('sha256').update(realm).digest('hex');
}

const importedHash = () => (existsSync(importedFile) ? readFileSync(importedFile, 'utf8').trim() : undefined);
const realmHash = () => createHash('sha256').update(readFileSync(realmFile)).digest('hex');
/** The hash of the realm file the running Keycloak was started to import; recorded once it answers. */
let pendingImport;

/** Starts Keycloak unless it runs; prepareKeycloak has resolved and built the distribution. */
async function startKeycloak(log) {
  if (runningPid('keycloak')) return;
  const hash = prepareHome();
  if (hash !== importedHash()) {
    const why = importedHash()
      ? `${relative(repoRoot, realmFile)} changed since Keycloak imported it`
      : 'this stack has not imported the realm yet';
    log(`keycloak: ${why}; recreating database ${keycloak.database} so that the realm is imported afresh`);
    rmSync(importedFile, { force: true });
    await recreateDatabase(keycloak.database);
  }
  pendingImport = hash;
  const jdbc = databaseUrl(keycloak.database).replace(/^postgresql:\/\/[^@]+@/, 'jdbc:postgresql://');
  startDetached(
    'keycloak',
    join(homeDir, 'bin', 'kc.sh'),
    [
      // kc.sh passes -D options on to the JVM: both command lines carry the stack's marker.
      `-Dlocal.stack.home=${stackDir}`,
      'start',
      '--optimized',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      // One node: a local cache, so no cluster (JGroups) port opens on the machine's other addresses.
      '--cache=local',
      `--http-port=${keycloak.port}`,
      // Health and metrics on the management port (9000 by default, a port too many tools want).
      `--http-management-port=${keycloak.managementPort}`,
      // The issuer is the browser's URL, whichever address a client used.
      `--hostname=${keycloakUrl}`,
      `--db-url=${jdbc}`,
      `--db-username=${keycloak.database}`,
      `--db-password=${keycloak.database}`,
      // A small pool, as the registry's: the default (up to 100) would take all of PostgreSQL's connections.
      '--db-pool-initial-size=2',
      '--db-pool-min-size=2',
      '--db-pool-max-size=10',
      '--import-realm',
    ],
    {
      cwd: homeDir,
      env: {
        JAVA: await java(),
        // kc.sh keeps its other JVM defaults (G1, exit on OutOfMemoryError) and takes the heap from here.
        JAVA_OPTS_KC_HEAP: `-Xms64m -Xmx${keycloak.heap}`,
        KC_BOOTSTRAP_ADMIN_USERNAME: BOOTSTRAP_ADMIN.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: BOOTSTRAP_ADMIN.password,
      },
    },
  );
}

/** Real request: the realm's discovery document, naming the issuer tokens carry. */
export async function keycloakAnswers() {
  const response = await fetch(`${issuerUrl}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(3000) });
  return response.ok && (await response.json()).issuer === issuerUrl;
}

/** Once Keycloak answers, the realm it was started with is imported: remember which. */
function recordImport() {
  if (pendingImport === undefined) return;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(importedFile, pendingImport);
  pendingImport = undefined;
}

/** What to know besides the issuer: the admin console, and a realm file edited since Keycloak imported it. */
function notes() {
  const changed = existsSync(realmFile) && importedHash() !== undefined && importedHash() !== realmHash();
  return [
    `admin console ${adminConsoleUrl} (${BOOTSTRAP_ADMIN.username} / ${BOOTSTRAP_ADMIN.password}: the local stack's bootstrap admin, local only)`,
    ...(changed
      ? [
          `${relative(repoRoot, realmFile)} changed since it was imported: \`npm run stack:down -- keycloak\`, then \`npm run stack:up\`, imports it afresh (on a new database: sessions and changes made in the admin console go)`,
        ]
      : []),
  ];
}

export const keycloakComponent = {
  key: 'keycloak',
  processes: ['keycloak'],
  ports: [
    [keycloak.port, 'Keycloak'],
    [keycloak.managementPort, 'Keycloak health and metrics'],
  ],
  endpoint: issuerUrl,
  needsPostgres: true,
  prepare: prepareKeycloak,
  start: startKeycloak,
  answers: keycloakAnswers,
  afterReady: recordImport,
  notes,
  statusLines: notes,
  explainExit: () => tail(logFile('keycloak'), 60),
  // The first start creates Keycloak's schema and imports the realm: on two cores, next to Kafka and the registry
  // starting too, that can take minutes.
  timeoutMs: 300_000,
};
