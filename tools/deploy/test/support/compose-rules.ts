// Rules for docker-compose.yml, each a pure function over the parsed file that returns the problems it finds
// (empty = fine), so the tests show both that the real file passes and that a broken copy is reported.
import { isPinnedImage } from './image-pins';

export interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | { published?: string | number; target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

const services = (compose: ComposeFile) => Object.entries(compose.services);

/** `${VAR}` (and `${VAR:-default}` etc.) references; `$$` is compose's escape for a literal `$`. */
export function variableReferences(text: string): { name: string; hasDefault: boolean }[] {
  return [...text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}/g)].map((match) => ({
    name: match[1] as string,
    hasDefault: /^:?-/.test(match[2] ?? ''),
  }));
}

/** Compose substitutes an unset variable with an empty string (and only warns): every one must be in .env. */
export function unsetVariables(text: string, env: ReadonlyMap<string, string>): string[] {
  return [
    ...new Set(
      variableReferences(text)
        .filter((ref) => !ref.hasDefault && !env.has(ref.name))
        .map((ref) => ref.name),
    ),
  ].map((name) => `\${${name}} is not set in .env`);
}

/**
 * Every pulled image is `${SOMETHING_IMAGE}` with a pinned value in .env (one place for versions, shared with
 * Testcontainers); every built image gets the pinned Node image as its NODE_IMAGE build arg.
 */
export function imagesPinned(compose: ComposeFile, env: ReadonlyMap<string, string>): string[] {
  return services(compose).flatMap(([name, service]) => {
    if (service.build) {
      const arg = service.build.args?.['NODE_IMAGE'];
      return arg === '${NODE_IMAGE}' ? [] : [`${name}: build arg NODE_IMAGE is ${arg ?? 'unset'}, not \${NODE_IMAGE}`];
    }
    const variable = /^\$\{([A-Z0-9_]+_IMAGE)\}$/.exec(service.image ?? '')?.[1];
    if (!variable) return [`${name}: image ${service.image ?? '(none)'} is not a \${..._IMAGE} pin from .env`];
    const value = env.get(variable);
    if (!value) return [`${name}: ${variable} is not in .env`];
    return isPinnedImage(value) ? [] : [`${name}: ${variable}=${value} is not pinned to a version`];
  });
}

const dependencies = (service: ComposeService): [string, { condition?: string }][] =>
  Array.isArray(service.depends_on)
    ? service.depends_on.map((target) => [target, {}])
    : Object.entries(service.depends_on ?? {});

/** Services that others wait for to finish (condition service_completed_successfully): one-shot jobs. */
export function oneShotServices(compose: ComposeFile): Set<string> {
  return new Set(
    services(compose).flatMap(([, service]) =>
      dependencies(service)
        .filter(([, dependency]) => dependency.condition === 'service_completed_successfully')
        .map(([target]) => target),
    ),
  );
}

const hasHealthcheck = (service: ComposeService) =>
  !service.healthcheck?.disable &&
  Array.isArray(service.healthcheck?.test) &&
  ['CMD', 'CMD-SHELL'].includes(service.healthcheck.test[0] ?? '') &&
  service.healthcheck.test.length > 1;

/** Long-running services say when they are healthy; one-shot jobs are not restarted once they are done. */
export function healthchecks(compose: ComposeFile): string[] {
  const oneShots = oneShotServices(compose);
  return services(compose).flatMap(([name, service]) => {
    if (oneShots.has(name)) return service.restart === 'no' ? [] : [`${name}: a one-shot job without restart: "no"`];
    return hasHealthcheck(service) ? [] : [`${name}: a long-running service without a healthcheck`];
  });
}

/**
 * Start order by state, not by container start: wait for `service_healthy` (which needs a healthcheck there) or
 * `service_completed_successfully` (for one-shot jobs); a bare list would start the services too early.
 */
export function dependsOnConditions(compose: ComposeFile): string[] {
  return services(compose).flatMap(([name, service]) => {
    if (Array.isArray(service.depends_on)) return [`${name}: depends_on is a list, without conditions`];
    return dependencies(service).flatMap(([target, { condition }]) => {
      const dependency = compose.services[target];
      if (!dependency) return [`${name}: depends on ${target}, which is not a service`];
      if (condition === 'service_healthy') {
        return hasHealthcheck(dependency)
          ? []
          : [`${name}: waits for ${target} to be healthy, which has no healthcheck`];
      }
      if (condition === 'service_completed_successfully') {
        return dependency.restart === 'no' ? [] : [`${name}: waits for ${target} to complete, which restarts`];
      }
      return [`${name}: depends on ${target} with condition ${condition ?? 'none'}`];
    });
  });
}

/** host port -> container port of each published port. */
export function publishedPorts(service: ComposeService): Map<number, number> {
  return new Map(
    (service.ports ?? []).map((port) => {
      if (typeof port === 'object') return [Number(port.published), Number(port.target)];
      const parts = port.split('/')[0]?.split(':') ?? [];
      const container = Number(parts.at(-1));
      return [parts.length > 1 ? Number(parts.at(-2)) : container, container];
    }),
  );
}

/** Each service publishes exactly its contract ports, and no host port twice. */
export function portsFollowContract(
  compose: ComposeFile,
  contract: Readonly<Record<string, readonly number[]>>,
): string[] {
  const problems = Object.entries(contract).flatMap(([name, expected]) => {
    const service = compose.services[name];
    if (!service) return [`${name}: missing (it has contract ports ${expected.join(', ')})`];
    const published = [...publishedPorts(service).keys()].sort((a, b) => a - b);
    const wanted = [...expected].sort((a, b) => a - b);
    return JSON.stringify(published) === JSON.stringify(wanted)
      ? []
      : [`${name}: publishes ${published.join(', ') || 'nothing'}, the contract says ${wanted.join(', ')}`];
  });
  const owners = new Map<number, string[]>();
  for (const [name, service] of services(compose)) {
    for (const host of publishedPorts(service).keys()) owners.set(host, [...(owners.get(host) ?? []), name]);
  }
  for (const [port, names] of owners)
    if (names.length > 1) problems.push(`host port ${port} published by ${names.join(' and ')}`);
  return problems;
}

/** An app's env sets only variables its config schemas read (a typo would be ignored at run time), and all it needs. */
export function appEnvironment(
  name: string,
  service: ComposeService,
  allowed: ReadonlySet<string>,
  required: readonly string[],
): string[] {
  const keys = Object.keys(service.environment ?? {});
  return [
    ...keys.filter((key) => !allowed.has(key)).map((key) => `${name}: sets ${key}, which no config schema of it reads`),
    ...required.filter((key) => !keys.includes(key)).map((key) => `${name}: does not set ${key}`),
  ];
}

/** Host-side bind mounts (`./path:/in/container`) point at files that exist. */
export function bindMountSources(compose: ComposeFile, exists: (path: string) => boolean): string[] {
  return services(compose).flatMap(([name, service]) =>
    (service.volumes ?? [])
      .map((volume) =>
        typeof volume === 'string' ? volume.split(':')[0] : volume.type === 'bind' ? volume.source : undefined,
      )
      .filter((source): source is string => Boolean(source?.startsWith('.')))
      .filter((source) => !exists(source))
      .map((source) => `${name}: mounts ${source}, which does not exist`),
  );
}

/** The databases (and their owners) an init script creates: `CREATE DATABASE name OWNER role`. */
export function createdDatabases(sql: string): Map<string, string | undefined> {
  const withoutComments = sql.replace(/--.*$/gm, '');
  return new Map(
    [...withoutComments.matchAll(/CREATE\s+DATABASE\s+"?(\w+)"?(?:\s+(?:WITH\s+)?OWNER\s*=?\s*"?(\w+)"?)?/gi)].map(
      (match) => [match[1] as string, match[2]],
    ),
  );
}

/** Roles with LOGIN and their password: `CREATE ROLE name LOGIN PASSWORD 'secret'`. */
export function createdLoginRoles(sql: string): Map<string, string | undefined> {
  const withoutComments = sql.replace(/--.*$/gm, '');
  return new Map(
    [...withoutComments.matchAll(/CREATE\s+(?:ROLE|USER)\s+"?(\w+)"?([^;]*);/gi)]
      .filter((match) => /\bLOGIN\b/i.test(match[2] ?? '') || /^CREATE\s+USER/i.test(match[0]))
      .map((match) => [match[1] as string, /PASSWORD\s+'([^']*)'/i.exec(match[2] ?? '')?.[1]]),
  );
}

/** Each `postgresql://user:password@host:port/db` URL names a database the init script creates, with that owner. */
export function databasesExist(urls: Readonly<Record<string, string>>, sql: string): string[] {
  const databases = createdDatabases(sql);
  const roles = createdLoginRoles(sql);
  return Object.entries(urls).flatMap(([name, url]) => {
    const match = /^(?:jdbc:)?postgres(?:ql)?:\/\/(?:([^:@/]+)(?::([^@/]*))?@)?[^/]+\/(\w+)/.exec(url);
    if (!match) return [`${name}: ${url} is not a PostgreSQL URL`];
    const [, user, password, database = ''] = match;
    if (!databases.has(database)) return [`${name}: database ${database} is not created by the init script`];
    const problems: string[] = [];
    if (user && databases.get(database) !== user)
      problems.push(`${name}: database ${database} is not owned by ${user}`);
    if (user && !roles.has(user)) problems.push(`${name}: role ${user} is not created with LOGIN`);
    else if (user && password !== undefined && roles.get(user) !== password) {
      problems.push(`${name}: the password in ${url} is not the one role ${user} gets`);
    }
    return problems;
  });
}

/**
 * `host:port` addresses a service answers on inside the compose network: the container side of its published
 * ports, and for a Kafka broker the advertised listeners that name it (clients connect to what is advertised).
 */
export function serviceAddresses(compose: ComposeFile, name: string): Set<string> {
  const service = compose.services[name];
  if (!service) return new Set();
  const advertised = String(service.environment?.['KAFKA_ADVERTISED_LISTENERS'] ?? '')
    .split(',')
    .map((listener) => /^\w+:\/\/([^:]+:\d+)$/.exec(listener.trim())?.[1])
    .filter((address): address is string => Boolean(address?.startsWith(`${name}:`)));
  return new Set([...[...publishedPorts(service).values()].map((port) => `${name}:${port}`), ...advertised]);
}

/** An app's addresses point at services of this file, on ports they answer on; PORT is the one it publishes. */
export function appWiring(compose: ComposeFile, name: string): string[] {
  const service = compose.services[name];
  const env = Object.fromEntries(
    Object.entries(service?.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
  const reachable = (address: string) =>
    Object.keys(compose.services).some((candidate) => serviceAddresses(compose, candidate).has(address));
  const urlAddress = (url: URL) => `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  const problems: string[] = [];
  for (const broker of (env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean)) {
    if (!reachable(broker.trim()))
      problems.push(`${name}: KAFKA_BROKERS ${broker} is no listener the broker advertises`);
  }
  if (env['SCHEMA_REGISTRY_URL']) {
    const url = new URL(env['SCHEMA_REGISTRY_URL']);
    if (!reachable(urlAddress(url))) problems.push(`${name}: SCHEMA_REGISTRY_URL ${url.href} reaches no service`);
    if (url.pathname.replace(/\/+$/, '') !== '/apis/ccompat/v7') {
      problems.push(`${name}: SCHEMA_REGISTRY_URL is not the Confluent-compatible API (/apis/ccompat/v7)`);
    }
  }
  if (env['DATABASE_URL']) {
    const url = new URL(env['DATABASE_URL']);
    if (!reachable(`${url.hostname}:${url.port || 5432}`)) problems.push(`${name}: DATABASE_URL reaches no service`);
  }
  if (env['SMTP_HOST'] && !reachable(`${env['SMTP_HOST']}:${env['SMTP_PORT'] ?? 25}`)) {
    problems.push(`${name}: SMTP ${env['SMTP_HOST']}:${env['SMTP_PORT'] ?? 25} reaches no service`);
  }
  if (env['PORT'] && service && ![...publishedPorts(service).values()].includes(Number(env['PORT']))) {
    problems.push(`${name}: listens on PORT ${env['PORT']}, which it does not publish`);
  }
  return problems;
}
