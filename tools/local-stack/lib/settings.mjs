// Where the local stack lives and which ports it uses. The ports are the platform's contract
// (../shared/ARCHITECTURE.md); paths can be moved with env so several checkouts can share one download cache.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
export const stackDir = resolve(process.env.LOCAL_STACK_DIR ?? join(repoRoot, '.local-stack'));
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
  // One combined broker+controller today. Each node gets its own id, port pair and data dir, so a
  // three-node mode is a longer list here, not a rewrite.
  nodes: [{ id: 1, brokerPort: 9092, controllerPort: 9093 }],
  partitions: 6,
};

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

const pgAdminUrl = process.env.LOCAL_STACK_PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const postgres = {
  adminUrl: pgAdminUrl,
  host: new URL(pgAdminUrl).hostname,
  port: Number(new URL(pgAdminUrl).port || 5432),
  // One database and one role per service (and the registry's), password = name: local development only.
  databases: ['user_service', 'email_service', 'dashboard_service', registry.database],
};

export const mail = { smtpPort: 1025, httpPort: 8025, maxMessages: 1000 };
