/**
 * Where tests find the real infrastructure. Env wins (CI, a remote cluster, Testcontainers later); the local
 * stack (`npm run stack:up`) is the default. Env names are the services' own, plus libpq's PG* variables.
 */
export interface StackEndpoints {
  readonly kafkaBrokers: string[];
  readonly schemaRegistryUrl: string;
  readonly postgres: { readonly host: string; readonly port: number };
  readonly smtp: { readonly host: string; readonly port: number };
  readonly mailApiUrl: string;
  /** The OpenID Connect issuer (Keycloak's realm kafka-platform on the local stack). */
  readonly oidcIssuerUrl: string;
}

export function stackEndpoints(env: NodeJS.ProcessEnv = process.env): StackEndpoints {
  return {
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? 'localhost:9092').split(',').map((broker) => broker.trim()),
    schemaRegistryUrl: env['SCHEMA_REGISTRY_URL'] ?? 'http://localhost:8081/apis/ccompat/v7',
    postgres: { host: env['PGHOST'] ?? '127.0.0.1', port: Number(env['PGPORT'] ?? 5432) },
    smtp: { host: env['SMTP_HOST'] ?? 'localhost', port: Number(env['SMTP_PORT'] ?? 1025) },
    mailApiUrl: (env['MAIL_API_URL'] ?? 'http://localhost:8025').replace(/\/+$/, ''),
    oidcIssuerUrl: (env['OIDC_ISSUER_URL'] ?? 'http://localhost:8180/realms/kafka-platform').replace(/\/+$/, ''),
  };
}

/**
 * A connection URL for one of the stack's databases. Locally each database has a role of the same name and
 * password; PGUSER/PGPASSWORD override both for servers laid out differently.
 */
export function databaseUrl(database: string, env: NodeJS.ProcessEnv = process.env): string {
  const { host, port } = stackEndpoints(env).postgres;
  const user = encodeURIComponent(env['PGUSER'] ?? database);
  const password = encodeURIComponent(env['PGPASSWORD'] ?? database);
  return `postgresql://${user}:${password}@${host}:${port}/${database}`;
}

/** Subjects are durable in the registry: tests remove theirs (soft, then permanent delete, as Confluent wants). */
export async function deleteSubject(subject: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const url = `${stackEndpoints(env).schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}`;
  await fetch(url, { method: 'DELETE' });
  await fetch(`${url}?permanent=true`, { method: 'DELETE' });
}

/**
 * Deletes every subject of a KAFKA_NAMESPACE: a namespaced service registers its schemas under
 * `<namespace>.<topic>-<record>` (libs/kafka's catalogContract), so they go with its test like its topics do.
 */
export async function deleteNamespaceSubjects(namespace: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const response = await fetch(`${stackEndpoints(env).schemaRegistryUrl}/subjects`);
  if (!response.ok) throw new Error(`listing the registry's subjects answered HTTP ${response.status}`);
  const subjects = (await response.json()) as string[];
  for (const subject of subjects.filter((name) => name.startsWith(`${namespace}.`))) {
    await deleteSubject(subject, env);
  }
}
