// Rules for docker-compose.yml, each a pure function over the parsed file that returns the problems it finds
// (empty = fine), so the tests show both that the real file passes and that a broken copy is reported.
import { isPinnedImage } from './image-pins';

export interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}

export interface ComposeService {
  profiles?: string[];
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | { published?: string | number; target?: number })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck & Record<string, unknown>;
  restart?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  /** After applyProfiles: the services the active profiles leave out (compose keeps them aside the same way). */
  disabledServices?: Record<string, ComposeService>;
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
      if (!dependency && compose.disabledServices?.[target]) {
        return [`${name}: depends on ${target}, which the active profiles do not enable`];
      }
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

/** Every published port is bound to the host's loopback (`127.0.0.1:host:container`), never to every interface. */
export function portsOnLoopback(compose: ComposeFile): string[] {
  return services(compose).flatMap(([name, service]) =>
    (service.ports ?? []).flatMap((port) => {
      const hostIp =
        typeof port === 'object' ? (port as { host_ip?: string }).host_ip : /^(.*):[^:]+:[^:]+$/.exec(port)?.[1];
      const text = typeof port === 'object' ? JSON.stringify(port) : port;
      return hostIp === '127.0.0.1'
        ? []
        : [`${name}: publishes ${text} on ${hostIp ?? 'every interface'}, not on 127.0.0.1`];
    }),
  );
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
  // /metrics and /docs: published (on loopback, portsOnLoopback checks) on the same host port, as `npm start` has it.
  if (env['MANAGEMENT_PORT'] && service && publishedPorts(service).get(Number(env['MANAGEMENT_PORT'])) === undefined) {
    problems.push(`${name}: MANAGEMENT_PORT ${env['MANAGEMENT_PORT']} is not published on the same host port`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------------
// Several files and profiles: `docker compose -f a.yml -f b.yml --profile p up`, modelled for the keys these files use.

type Json = Record<string, unknown>;
const isMapping = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `KEY=value` list or mapping, as a mapping (compose accepts both for environment). */
const environmentMapping = (value: unknown): Json =>
  Array.isArray(value)
    ? Object.fromEntries(value.map((entry) => String(entry).split(/=(.*)/s).slice(0, 2) as [string, string]))
    : { ...(value as Json) };
/** A depends_on list means condition service_started. */
const dependsOnMapping = (value: unknown): Json =>
  Array.isArray(value)
    ? Object.fromEntries(value.map((target) => [String(target), { condition: 'service_started' }]))
    : { ...(value as Json) };
const volumeTarget = (volume: unknown): string =>
  typeof volume === 'string' ? (volume.split(':')[1] ?? volume) : String((volume as { target?: string }).target);

function mergeValues(key: string, base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (base === undefined) return override;
  if (key === 'environment') return { ...environmentMapping(base), ...environmentMapping(override) };
  if (key === 'depends_on') return mergeMappings(dependsOnMapping(base), dependsOnMapping(override));
  // Shell commands and the healthcheck's test are replaced, never appended.
  if (['command', 'entrypoint', 'test'].includes(key)) return override;
  if (key === 'volumes' && Array.isArray(base) && Array.isArray(override)) {
    const byTarget = new Map(base.map((volume) => [volumeTarget(volume), volume]));
    for (const volume of override) byTarget.set(volumeTarget(volume), volume);
    return [...byTarget.values()];
  }
  if (Array.isArray(base) && Array.isArray(override)) return [...new Set([...base, ...override])];
  if (isMapping(base) && isMapping(override)) return mergeMappings(base, override);
  return override;
}

function mergeMappings(base: Json, override: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeValues(key, base[key], value);
  return merged;
}

/**
 * The project `docker compose -f first -f second ...` runs, merged as the compose specification says: services and
 * top-level mappings by name, a service's `environment` and `depends_on` by name, `volumes` by container path,
 * `command`, `entrypoint` and `healthcheck.test` replaced, other lists (`ports`, `profiles`) added without repeats,
 * scalars replaced.
 */
export function mergeComposeFiles(...files: ComposeFile[]): ComposeFile {
  return files.reduce((merged, file) => ({
    ...mergeMappings(merged, file),
    services: Object.fromEntries(
      [...new Set([...Object.keys(merged.services), ...Object.keys(file.services ?? {})])].map((name) => [
        name,
        mergeMappings((merged.services[name] ?? {}) as Json, (file.services?.[name] ?? {}) as Json) as ComposeService,
      ]),
    ),
  }));
}

/** Compose's profiles: a service with profiles runs only when one of them is active; one without always runs. */
export function applyProfiles(compose: ComposeFile, active: readonly string[]): ComposeFile {
  const enabled = ([, service]: [string, ComposeService]) =>
    !service.profiles?.length || service.profiles.some((profile) => active.includes(profile));
  return {
    ...compose,
    services: Object.fromEntries(services(compose).filter(enabled)),
    disabledServices: Object.fromEntries(services(compose).filter((entry) => !enabled(entry))),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// A KRaft cluster of combined broker+controller nodes (the apache/kafka image, configured by KAFKA_* variables).

interface KafkaListener {
  name: string;
  host: string;
  port: number;
}

/** `NAME://host:port,...` (host may be empty: every interface). */
const listeners = (value: unknown): KafkaListener[] =>
  String(value ?? '')
    .split(',')
    .filter(Boolean)
    .map((listener) => {
      const [, name = '', host = '', port = 'NaN'] = /^(\w+):\/\/([^:]*):(\d+)$/.exec(listener.trim()) ?? [];
      return { name, host, port: Number(port) };
    });

const envOf = (service: ComposeService) => service.environment ?? {};

/** The Kafka nodes of a project (services that set KAFKA_NODE_ID), with their node ids. */
export const kafkaNodes = (compose: ComposeFile): { name: string; id: number; service: ComposeService }[] =>
  services(compose)
    .filter(([, service]) => envOf(service)['KAFKA_NODE_ID'] !== undefined)
    .map(([name, service]) => ({ name, id: Number(envOf(service)['KAFKA_NODE_ID']), service }));

/** A Kafka Uuid as the storage tool takes it: 16 bytes in URL-safe base64 without padding. */
const KAFKA_UUID = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/**
 * A KRaft cluster compose can run: node ids unique; every node has the same quorum, which lists each node by its id
 * at its own controller listener (`localhost` only for a single node), kept off the host; every advertised listener
 * is one the node listens on, the inter-broker one names the node's service, the others are published on the same
 * host port and no two nodes advertise one address; replication min(3, nodes) with min(2, replication) in sync for
 * Kafka's internal topics and as the default; several nodes share one cluster id; each node keeps its data in a
 * volume of its own; health is asked on the inter-broker listener when other nodes' addresses must resolve.
 */
export function kafkaClusterProblems(compose: ComposeFile): string[] {
  const nodes = kafkaNodes(compose);
  if (nodes.length === 0) return ['no Kafka node (no service sets KAFKA_NODE_ID)'];
  const problems: string[] = [];
  const replication = Math.min(3, nodes.length);
  const inSync = Math.min(2, replication);
  const expected: Record<string, number> = {
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: replication,
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: replication,
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: inSync,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: replication,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: inSync,
    KAFKA_DEFAULT_REPLICATION_FACTOR: replication,
    KAFKA_MIN_INSYNC_REPLICAS: inSync,
  };
  /** Kafka's default where a setting is left out. */
  const KAFKA_DEFAULTS: Record<string, number> = {
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: 3,
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: 2,
    KAFKA_DEFAULT_REPLICATION_FACTOR: 1,
    KAFKA_MIN_INSYNC_REPLICAS: 1,
  };
  const [first] = nodes as [(typeof nodes)[number]];
  const owners = new Map<string, string>();
  const volumeOwners = new Map<string, string>();
  for (const { name, id, service } of nodes) {
    const env = envOf(service);
    const own = listeners(env['KAFKA_LISTENERS']);
    const ports = publishedPorts(service);
    if (!Number.isInteger(id) || id < 0)
      problems.push(`${name}: KAFKA_NODE_ID ${env['KAFKA_NODE_ID']} is not a node id`);
    const sameId = nodes.find((other) => other.id === id && other.name !== name);
    if (sameId && nodes.indexOf(sameId) < nodes.findIndex((node) => node.name === name)) {
      problems.push(`${name}: node id ${id} is also ${sameId.name}'s`);
    }
    if (env['KAFKA_PROCESS_ROLES'] !== 'broker,controller') {
      problems.push(`${name}: KAFKA_PROCESS_ROLES is ${env['KAFKA_PROCESS_ROLES']}, not broker,controller`);
    }
    if (service.image !== first.service.image)
      problems.push(`${name}: runs ${service.image}, not ${first.service.image}`);

    // The quorum: the same voters everywhere, each node at its own controller listener.
    const controller = own.find((listener) => listener.name === env['KAFKA_CONTROLLER_LISTENER_NAMES']);
    if (!controller) problems.push(`${name}: no listener ${env['KAFKA_CONTROLLER_LISTENER_NAMES']} for the controller`);
    const voters = String(env['KAFKA_CONTROLLER_QUORUM_VOTERS'] ?? '');
    if (voters !== String(envOf(first.service)['KAFKA_CONTROLLER_QUORUM_VOTERS'] ?? '')) {
      problems.push(`${name}: quorum voters ${voters} differ from ${first.name}'s`);
    } else if (name === first.name) {
      const entries = voters
        .split(',')
        .filter(Boolean)
        .map((voter) => /^(\d+)@([^:]+):(\d+)$/.exec(voter.trim()))
        .map((match) => ({ id: Number(match?.[1]), host: match?.[2] ?? '?', port: Number(match?.[3]) }));
      for (const node of nodes.filter((candidate) => !entries.some((voter) => voter.id === candidate.id))) {
        problems.push(`the quorum voters (${voters}) name no node ${node.id} (${node.name})`);
      }
      for (const voter of entries) {
        const node = nodes.find((candidate) => candidate.id === voter.id);
        const at = nodes.find((candidate) => candidate.name === voter.host);
        if (!node) {
          problems.push(
            `voter ${voter.id}@${voter.host}:${voter.port} is no node${at ? ` (${at.name} is node ${at.id})` : ''}`,
          );
          continue;
        }
        if (voter.host !== node.name && !(voter.host === 'localhost' && nodes.length === 1)) {
          problems.push(`voter ${voter.id} is at ${voter.host}, but node ${voter.id} is ${node.name}`);
        }
        const port = listeners(envOf(node.service)['KAFKA_LISTENERS']).find(
          (listener) => listener.name === envOf(node.service)['KAFKA_CONTROLLER_LISTENER_NAMES'],
        )?.port;
        if (voter.port !== port) {
          problems.push(`voter ${voter.id} is at port ${voter.port}, but ${node.name}'s controller listens on ${port}`);
        }
      }
    }
    if (controller && ports.has(controller.port)) {
      problems.push(`${name}: publishes its controller port ${controller.port} (the quorum stays inside compose)`);
    }

    // Advertised listeners: listened on, the inter-broker one by service name, the others reachable from the host.
    for (const advertised of listeners(env['KAFKA_ADVERTISED_LISTENERS'])) {
      const address = `${advertised.host}:${advertised.port}`;
      if (!own.some((listener) => listener.name === advertised.name && listener.port === advertised.port)) {
        problems.push(`${name}: advertises ${advertised.name} at ${address}, but listens there on no such listener`);
      }
      if (advertised.name === env['KAFKA_CONTROLLER_LISTENER_NAMES']) {
        problems.push(`${name}: advertises its controller listener`);
      }
      if (advertised.name === env['KAFKA_INTER_BROKER_LISTENER_NAME'] && advertised.host !== name) {
        problems.push(`${name}: advertises its inter-broker listener as ${address}, not as ${name}`);
      }
      if (advertised.host === 'localhost' && ports.get(advertised.port) !== advertised.port) {
        problems.push(`${name}: advertises ${address}, which it does not publish on host port ${advertised.port}`);
      }
      if (owners.has(address)) problems.push(`${name}: advertises ${address}, as ${owners.get(address)} does`);
      else owners.set(address, name);
    }

    for (const [variable, value] of Object.entries(expected)) {
      const actual = Number(env[variable] ?? KAFKA_DEFAULTS[variable]);
      if (actual !== value) {
        problems.push(`${name}: ${variable} is ${actual}, a ${nodes.length}-node cluster needs ${value}`);
      }
    }

    if (nodes.length > 1) {
      const clusterId = String(env['CLUSTER_ID'] ?? '');
      if (!KAFKA_UUID.test(clusterId)) problems.push(`${name}: CLUSTER_ID "${clusterId}" is not a Kafka cluster id`);
      else if (clusterId !== String(envOf(first.service)['CLUSTER_ID'])) {
        problems.push(`${name}: CLUSTER_ID ${clusterId} differs from ${first.name}'s`);
      }
    }

    // Data: a named volume of the node's own at its log directory.
    const dataVolume = (service.volumes ?? [])
      .filter((volume): volume is string => typeof volume === 'string')
      .map((volume) => volume.split(':'))
      .find(([, target]) => target === env['KAFKA_LOG_DIRS'])?.[0];
    if (!dataVolume || dataVolume.startsWith('.') || dataVolume.startsWith('/')) {
      problems.push(`${name}: no named volume at its KAFKA_LOG_DIRS ${env['KAFKA_LOG_DIRS']}`);
    } else {
      if (!(compose.volumes && dataVolume in compose.volumes))
        problems.push(`${name}: volume ${dataVolume} is not declared`);
      if (volumeOwners.has(dataVolume))
        problems.push(`${name}: shares volume ${dataVolume} with ${volumeOwners.get(dataVolume)}`);
      else volumeOwners.set(dataVolume, name);
    }

    // Health on a listener of its own; with several nodes the inter-broker one, whose metadata names addresses that
    // resolve inside the container (another node's localhost:9192 does not).
    const test = service.healthcheck?.test;
    const bootstrap = Array.isArray(test) ? test[test.indexOf('--bootstrap-server') + 1] : undefined;
    const checked = own.find(
      (listener) => `localhost:${listener.port}` === bootstrap || `${name}:${listener.port}` === bootstrap,
    );
    if (!checked) problems.push(`${name}: the healthcheck asks ${bootstrap ?? 'nothing'}, no listener of this node`);
    else if (nodes.length > 1 && checked.name !== env['KAFKA_INTER_BROKER_LISTENER_NAME']) {
      problems.push(`${name}: the healthcheck asks the ${checked.name} listener, not the inter-broker one`);
    }
  }
  return problems;
}

/** Variables naming the brokers a client bootstraps from: the services' and Kafka UI's. */
const BOOTSTRAP_VARIABLES = ['KAFKA_BROKERS', 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS'];

/**
 * Every Kafka client inside compose bootstraps from every node (by its inter-broker address, so losing one node at
 * start-up loses no client) and starts only once every node is healthy.
 */
export function kafkaClientProblems(compose: ComposeFile): string[] {
  const nodes = kafkaNodes(compose);
  const addresses = nodes.flatMap(({ name, service }) =>
    listeners(envOf(service)['KAFKA_ADVERTISED_LISTENERS'])
      .filter((listener) => listener.name === envOf(service)['KAFKA_INTER_BROKER_LISTENER_NAME'])
      .map((listener) => ({ node: name, address: `${listener.host}:${listener.port}` })),
  );
  return services(compose).flatMap(([name, service]) =>
    BOOTSTRAP_VARIABLES.filter((variable) => envOf(service)[variable] !== undefined).flatMap((variable) => {
      const listed = String(envOf(service)[variable])
        .split(',')
        .map((broker) => broker.trim());
      const problems = addresses
        .filter(({ address }) => !listed.includes(address))
        .map(({ address }) => `${name}: ${variable} lacks ${address}`);
      problems.push(
        ...listed
          .filter((broker) => !addresses.some(({ address }) => address === broker))
          .map((broker) => `${name}: ${variable} lists ${broker}, no node's inter-broker address`),
      );
      const waitsFor = dependencies(service);
      for (const node of nodes) {
        if (!waitsFor.some(([target, { condition }]) => target === node.name && condition === 'service_healthy')) {
          problems.push(`${name}: does not wait for ${node.name} to be healthy`);
        }
      }
      return problems;
    }),
  );
}
