// Where the local stack lives and which ports it uses. The ports are the platform's contract
// (../shared/ARCHITECTURE.md).
//
// The stack's state (Kafka's data, pid files, logs) is the machine's, not the checkout's: the stack uses the
// machine's PostgreSQL, whose service databases belong to one Kafka cluster, so Kafka's data must be kept where
// the databases are, in one place per machine. A second clone finds the same running stack and the same log.
// LOCAL_STACK_DIR moves it (the tests that need a stack of their own do), LOCAL_STACK_CACHE the downloads.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
const stateHome = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
export const stackDir = resolve(process.env.LOCAL_STACK_DIR ?? join(stateHome, 'kafka-platform', 'stack'));
/** Where the stack kept its state before it moved out of the checkout. */
export const legacyStackDir = join(repoRoot, '.local-stack');
export const cacheDir = resolve(
  process.env.LOCAL_STACK_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kafka-platform'),
);

export const paths = {
  run: join(stackDir, 'run'),
  logs: join(stackDir, 'logs'),
  config: join(stackDir, 'config'),
  data: join(stackDir, 'data'),
};

export const kafka = {
  version: '4.3.1',
  pom: join(here, '..', 'kafka', 'pom.xml'),
  heap: process.env.LOCAL_STACK_KAFKA_HEAP ?? '768m',
  partitions: 6,
  // One combined broker+controller by default; three (a KRaft quorum that survives losing one node) on request.
  brokerCounts: [1, 3],
};

/**
 * The nodes of a cluster of `count`: every node is broker and controller; node n listens on 9n92 for clients and
 * 9n93 for the controller quorum (node 1 keeps the contract's 9092/9093).
 */
export const kafkaNodes = (count) =>
  Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    brokerPort: 9092 + index * 100,
    controllerPort: 9093 + index * 100,
  }));

// The opt-in SASL_SSL broker (`up kafka-secure`, see lib/kafka-secure.mjs): its own ports next to the main
// broker's, loopback only. Its certificates and SCRAM users come from the caller's env (LOCAL_STACK_SECURE_*).
export const kafkaSecure = {
  clientPort: 9094,
  controllerPort: 9095,
  adminUser: 'admin',
};

export const registry = {
  version: '3.3.3',
  port: 8081,
  managementPort: 8091,
  heap: process.env.LOCAL_STACK_REGISTRY_HEAP ?? '512m',
  database: 'apicurio_registry',
};

// Keycloak, the platform's OpenID Connect provider (lib/keycloak.mjs): HTTP on 8180 (docker compose publishes Kafka
// UI on 8080), health and metrics on its management port 8190; the realm is imported from deploy/keycloak.
export const keycloak = {
  version: '26.4.7',
  port: 8180,
  managementPort: 8190,
  heap: process.env.LOCAL_STACK_KEYCLOAK_HEAP ?? '512m',
  database: 'keycloak',
  realm: 'kafka-platform',
};

// The opt-in Kafka Connect worker (`up --with connect`, lib/connect.mjs): Connect at the broker's version, with the
// Debezium PostgreSQL connector as its plugin, for the user-service's CDC outbox relay.
export const connect = {
  kafkaVersion: kafka.version,
  debeziumVersion: '3.6.1.Final',
  port: 8083,
  runtimePom: join(here, '..', 'connect', 'runtime', 'pom.xml'),
  debeziumPom: join(here, '..', 'connect', 'debezium', 'pom.xml'),
  heap: process.env.LOCAL_STACK_CONNECT_HEAP ?? '384m',
};

const pgAdminUrl = process.env.LOCAL_STACK_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const postgres = {
  adminUrl: pgAdminUrl,
  host: new URL(pgAdminUrl).hostname,
  port: Number(new URL(pgAdminUrl).port || 5432),
  // One database and one role per service (and the registry's and Keycloak's), password = name: local development only.
  databases: ['user_service', 'email_service', 'dashboard_service', registry.database, keycloak.database],
  // What a service's database holds follows one Kafka cluster's log; the registry's schemas and Keycloak's realm
  // serve every cluster.
  serviceDatabases: ['user_service', 'email_service', 'dashboard_service'],
};

// Room for a fault test's thousand sign-ups and everything else that ran before it.
export const mail = { smtpPort: 1025, httpPort: 8025, maxMessages: 20_000 };

// The opt-in disaster-recovery cluster (`up --with dr`, lib/dr.mjs): one KRaft node on ports clear of every other
// part of the stack, and MirrorMaker 2 copying the platform's topic and its consumer groups' offsets to it.
export const dr = {
  clientPort: 19092,
  controllerPort: 19093,
  mirrorPom: join(here, '..', 'mirror', 'pom.xml'),
  mirrorHeap: process.env.LOCAL_STACK_MIRROR_HEAP ?? '384m',
  // Regexes (MM2's topics/groups lists): the catalog's topic, its DLQs, the user keys that open its personal fields
  // (crypto-shredding: without them a failed-over consumer reads nothing, and their tombstones must reach the mirror
  // too) and the consumer groups, bare or under a KAFKA_NAMESPACE made by the DR tests (dr_<hex>, tools/dr); other
  // suites' namespaces stay off the DR cluster.
  topics: '(dr_[0-9a-f]+\\.)?(user-events(\\.[a-z-]+\\.dlq)?|user-keys)',
  groups: '(dr_[0-9a-f]+\\.)?(email-service|dashboard-service)',
};
