// docker-compose.yml, checked offline (no Docker engine here): it parses, every image is pinned in .env, every
// long-running service has a healthcheck and the others wait on it, ports and env names follow the contract and
// the services' own config schemas, and the addresses point at services of the file. Each rule is also shown to
// fail on a broken copy, so a passing run means something.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  appEnvironment,
  appWiring,
  bindMountSources,
  databasesExist,
  dependsOnConditions,
  healthchecks,
  imagesPinned,
  oneShotServices,
  portsFollowContract,
  serviceAddresses,
  unsetVariables,
} from './support/compose-rules';
import type { ComposeFile, ComposeService } from './support/compose-rules';
import { configEnvNames, repoRoot } from './support/config-env-names';
import { imagePins } from './support/image-pins';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText) as ComposeFile;
const pins = imagePins();
const initSql = read('deploy/compose/postgres-init.sql');

/** A copy to break in a negative test; the real parsed file stays untouched. */
const mutated = (change: (copy: ComposeFile) => void): ComposeFile => {
  const copy = structuredClone(compose);
  change(copy);
  return copy;
};
/** A copy with some env of one service changed (undefined deletes the variable). */
const withEnv = (name: string, changes: Record<string, string | number | undefined>): ComposeFile =>
  mutated((copy) => {
    const changed = service(copy, name);
    changed.environment = { ...changed.environment };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete changed.environment[key];
      else changed.environment[key] = value;
    }
  });
const service = (file: ComposeFile, name: string): ComposeService => {
  const found = file.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

const APPS = ['user-service', 'email-service', 'dashboard-service'] as const;

// Host ports of docs/ARCHITECTURE.md's contract (the same as the local stack's), plus the Kafka UI.
const CONTRACT_PORTS: Record<string, number[]> = {
  'user-service': [3001],
  'email-service': [3002],
  'dashboard-service': [3003],
  kafka: [9092],
  registry: [8081],
  postgres: [5432],
  mailpit: [1025, 8025],
  'kafka-ui': [8080],
};

// What each app cannot start without (the others have defaults); PORT is set so it matches the published port.
const REQUIRED_ENV: Record<(typeof APPS)[number], string[]> = {
  'user-service': ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL', 'PORT'],
  'email-service': ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL', 'PORT', 'SMTP_HOST', 'SMTP_PORT'],
  'dashboard-service': ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL', 'PORT'],
};

describe('docker-compose.yml', () => {
  it('is a compose-spec file (no obsolete version key) with the platform services', () => {
    expect(compose).not.toHaveProperty('version');
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([...Object.keys(CONTRACT_PORTS), 'topics', 'registry-init']),
    );
  });

  describe('images', () => {
    it('uses only variables that .env sets', () => {
      expect(unsetVariables(composeText, pins)).toEqual([]);
      expect(
        unsetVariables('image: ${KAFKA_IMAGE}\nfoo: ${NOT_IN_ENV}\nbar: ${WITH_DEFAULT:-x} $${ESCAPED}', pins),
      ).toEqual(['${NOT_IN_ENV} is not set in .env']);
    });

    it('pins every image in .env (built ones through the NODE_IMAGE build arg)', () => {
      expect(imagesPinned(compose, pins)).toEqual([]);
    });

    it('uses every pin of .env, so .env holds no stale version', () => {
      const unused = [...pins.keys()].filter((key) => !composeText.includes(`\${${key}}`));
      expect(unused).toEqual([]);
    });

    it.each([
      [
        'a literal image',
        (c: ComposeFile) => (service(c, 'postgres').image = 'postgres:17.6-alpine'),
        /postgres: image postgres:17.6-alpine is not/,
      ],
      [
        'a variable .env lacks',
        (c: ComposeFile) => (service(c, 'mailpit').image = '${SMTP_IMAGE}'),
        /mailpit: SMTP_IMAGE is not in .env/,
      ],
      [
        'a build without the pinned Node image',
        (c: ComposeFile) => delete service(c, 'email-service').build?.args,
        /email-service: build arg NODE_IMAGE is unset/,
      ],
    ])('reports %s', (_, change, problem) => {
      expect(imagesPinned(mutated(change), pins)).toEqual([expect.stringMatching(problem)]);
    });

    it.each(['postgres:latest', 'postgres', 'postgres:alpine', 'localhost:5000/postgres'])(
      'reports .env pinning %s, which moves',
      (reference) => {
        const unpinned = new Map([...pins, ['POSTGRES_IMAGE', reference]]);
        expect(imagesPinned(compose, unpinned)).toEqual([
          `postgres: POSTGRES_IMAGE=${reference} is not pinned to a version`,
        ]);
      },
    );
  });

  describe('health and start order', () => {
    it('gives every long-running service a healthcheck and runs the jobs once', () => {
      expect([...oneShotServices(compose)].sort()).toEqual(['registry-init', 'topics']);
      expect(healthchecks(compose)).toEqual([]);
    });

    it('starts a service only when what it needs is healthy or done', () => {
      expect(dependsOnConditions(compose)).toEqual([]);
      for (const app of APPS) {
        expect(service(compose, app).depends_on).toMatchObject({
          kafka: { condition: 'service_healthy' },
          postgres: { condition: 'service_healthy' },
          topics: { condition: 'service_completed_successfully' },
          'registry-init': { condition: 'service_completed_successfully' },
        });
      }
      expect(service(compose, 'email-service').depends_on).toMatchObject({ mailpit: { condition: 'service_healthy' } });
    });

    it.each([
      [
        'a missing healthcheck',
        (c: ComposeFile) => delete service(c, 'kafka').healthcheck,
        'kafka: a long-running service without a healthcheck',
      ],
      [
        'a disabled healthcheck',
        (c: ComposeFile) => (service(c, 'mailpit').healthcheck = { disable: true }),
        'mailpit: a long-running service without a healthcheck',
      ],
      [
        'a job that restarts',
        (c: ComposeFile) => (service(c, 'topics').restart = 'on-failure'),
        'topics: a one-shot job without restart: "no"',
      ],
    ])('reports %s', (_, change, problem) => {
      expect(healthchecks(mutated(change))).toContain(problem);
    });

    it.each([
      [
        'a plain list',
        (c: ComposeFile) => (service(c, 'kafka-ui').depends_on = ['kafka']),
        'kafka-ui: depends_on is a list, without conditions',
      ],
      [
        'service_started',
        (c: ComposeFile) => (service(c, 'kafka-ui').depends_on = { kafka: { condition: 'service_started' } }),
        'kafka-ui: depends on kafka with condition service_started',
      ],
      [
        'waiting for health without a healthcheck',
        (c: ComposeFile) => delete service(c, 'postgres').healthcheck,
        'registry: waits for postgres to be healthy, which has no healthcheck',
      ],
      [
        'an unknown service',
        (c: ComposeFile) => (service(c, 'kafka-ui').depends_on = { zookeeper: { condition: 'service_healthy' } }),
        'kafka-ui: depends on zookeeper, which is not a service',
      ],
    ])('reports depends_on with %s', (_, change, problem) => {
      expect(dependsOnConditions(mutated(change))).toContain(problem);
    });
  });

  describe('ports', () => {
    it('publishes the contract ports', () => {
      expect(portsFollowContract(compose, CONTRACT_PORTS)).toEqual([]);
    });

    it("matches the apps' own default ports", () => {
      for (const app of APPS) {
        const modules = read(`apps/${app}/src/${app}.module.ts`);
        expect(Number(/defaultPort:\s*(\d+)/.exec(modules)?.[1])).toBe(CONTRACT_PORTS[app]?.[0]);
      }
    });

    it.each([
      [
        'another port',
        (c: ComposeFile) => (service(c, 'user-service').ports = ['3005:3001']),
        'user-service: publishes 3005, the contract says 3001',
      ],
      [
        'a port twice',
        (c: ComposeFile) => service(c, 'kafka-ui').ports?.push('8081:8081'),
        'host port 8081 published by registry and kafka-ui',
      ],
    ])('reports %s', (_, change, problem) => {
      expect(portsFollowContract(mutated(change), CONTRACT_PORTS)).toContain(problem);
    });
  });

  describe("the apps' environment", () => {
    it.each(APPS)('%s sets only names its config schemas read, and all it needs', (app) => {
      const { names, files } = configEnvNames(app);
      // The extraction itself finds the schemas; an empty set would let anything pass.
      expect(files).toEqual(
        expect.arrayContaining(['libs/kafka/src/config/kafka-config.ts', 'libs/service/src/config/service-config.ts']),
      );
      expect(names.has('KAFKA_BROKERS') && names.has('DATABASE_URL')).toBe(true);
      expect(appEnvironment(app, service(compose, app), names, REQUIRED_ENV[app])).toEqual([]);
    });

    it.each([
      [
        'a misspelt name',
        'user-service',
        { KAFKA_BROKER: 'kafka:19092' },
        'user-service: sets KAFKA_BROKER, which no config schema of it reads',
      ],
      [
        'a name of another service',
        'dashboard-service',
        { SMTP_HOST: 'mailpit' },
        'dashboard-service: sets SMTP_HOST, which no config schema of it reads',
      ],
      ['a missing name', 'email-service', { SMTP_PORT: undefined }, 'email-service: does not set SMTP_PORT'],
    ])('reports %s', (_, app, changes, problem) => {
      const file = withEnv(app, changes);
      expect(
        appEnvironment(app, service(file, app), configEnvNames(app).names, REQUIRED_ENV[app as (typeof APPS)[number]]),
      ).toEqual([problem]);
    });

    it.each(APPS)('%s reaches Kafka, the registry, PostgreSQL and SMTP at addresses of this file', (app) => {
      expect(appWiring(compose, app)).toEqual([]);
    });

    it.each([
      [
        "the host's Kafka listener",
        { KAFKA_BROKERS: 'localhost:9092' },
        'user-service: KAFKA_BROKERS localhost:9092 is no listener the broker advertises',
      ],
      [
        "the registry's host port",
        { SCHEMA_REGISTRY_URL: 'http://registry:8081/apis/ccompat/v7' },
        'user-service: SCHEMA_REGISTRY_URL http://registry:8081/apis/ccompat/v7 reaches no service',
      ],
      [
        "the registry's native API",
        { SCHEMA_REGISTRY_URL: 'http://registry:8080/apis/registry/v3' },
        'user-service: SCHEMA_REGISTRY_URL is not the Confluent-compatible API (/apis/ccompat/v7)',
      ],
      [
        'a database on the host',
        { DATABASE_URL: 'postgresql://user_service:user_service@localhost:5432/user_service' },
        'user-service: DATABASE_URL reaches no service',
      ],
      ['a PORT it does not publish', { PORT: 3009 }, 'user-service: listens on PORT 3009, which it does not publish'],
    ])('reports %s', (_, changes, problem) => {
      expect(appWiring(withEnv('user-service', changes), 'user-service')).toEqual([problem]);
    });
  });

  describe('infrastructure', () => {
    const env = (name: string) => service(compose, name).environment ?? {};

    it('runs Kafka in KRaft mode with no topic auto-creation, advertising what it listens on', () => {
      const kafka = env('kafka');
      expect(kafka).toMatchObject({
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      });
      const listeners = new Map(
        String(kafka['KAFKA_LISTENERS'])
          .split(',')
          .map((listener) => /^(\w+):\/\/[^:]*:(\d+)$/.exec(listener)?.slice(1) as [string, string]),
      );
      const protocols = String(kafka['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']);
      for (const advertised of String(kafka['KAFKA_ADVERTISED_LISTENERS']).split(',')) {
        const [, name = '', port] = /^(\w+):\/\/[^:]+:(\d+)$/.exec(advertised) ?? [];
        expect(listeners.get(name)).toBe(port);
        expect(protocols).toContain(`${name}:`);
      }
      expect(serviceAddresses(compose, 'kafka')).toEqual(new Set(['kafka:9092', 'kafka:19092']));
      expect(service(compose, 'kafka').volumes).toEqual([expect.stringMatching(/^kafka-data:/)]);
    });

    it('creates every database the apps and the registry use, owned by the role they log in as', () => {
      const registry = env('registry');
      const registryUrl = String(registry['APICURIO_DATASOURCE_URL']).replace(
        'jdbc:postgresql://',
        `postgresql://${registry['APICURIO_DATASOURCE_USERNAME']}:${registry['APICURIO_DATASOURCE_PASSWORD']}@`,
      );
      const urls = {
        ...Object.fromEntries(APPS.map((app) => [app, String(env(app)['DATABASE_URL'])])),
        registry: registryUrl,
      };
      expect(databasesExist(urls, initSql)).toEqual([]);
      expect(service(compose, 'postgres').volumes).toContain(
        './deploy/compose/postgres-init.sql:/docker-entrypoint-initdb.d/10-databases.sql:ro',
      );
    });

    it.each([
      [
        'a database it does not create',
        initSql.replace(/CREATE DATABASE dashboard_service[^;]*;/, ''),
        'dashboard-service: database dashboard_service is not created by the init script',
      ],
      [
        'another owner',
        initSql.replace('DATABASE email_service OWNER email_service', 'DATABASE email_service OWNER postgres'),
        'email-service: database email_service is not owned by email_service',
      ],
      [
        'another password',
        initSql.replace("user_service LOGIN PASSWORD 'user_service'", "user_service LOGIN PASSWORD 'secret'"),
        'user-service: the password in postgresql://user_service:user_service@postgres:5432/user_service is not the one role user_service gets',
      ],
    ])('reports an init script with %s', (_, sql, problem) => {
      const urls = Object.fromEntries(APPS.map((app) => [app, String(env(app)['DATABASE_URL'])]));
      expect(databasesExist(urls, sql)).toEqual([problem]);
    });

    it('stores the registry in PostgreSQL and serves the Kafka UI its Confluent-compatible API', () => {
      expect(env('registry')).toMatchObject({ APICURIO_STORAGE_KIND: 'sql', APICURIO_STORAGE_SQL_KIND: 'postgresql' });
      const ui = env('kafka-ui');
      expect(serviceAddresses(compose, 'kafka').has(String(ui['KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS']))).toBe(true);
      const registryUrl = new URL(String(ui['KAFKA_CLUSTERS_0_SCHEMAREGISTRY']));
      expect(serviceAddresses(compose, 'registry').has(registryUrl.host)).toBe(true);
      expect(registryUrl.pathname).toBe('/apis/ccompat/v7');
    });

    it('runs the jobs from files and images that exist: the registry rule script and the topics tool', () => {
      expect(bindMountSources(compose, (path) => existsSync(join(repoRoot, path)))).toEqual([]);
      expect(
        bindMountSources(
          mutated((c) => service(c, 'registry-init').volumes?.push('./deploy/compose/nope.mjs:/x')),
          () => false,
        ),
      ).toContain('registry-init: mounts ./deploy/compose/nope.mjs, which does not exist');
      const topics = service(compose, 'topics');
      // The tool is compiled from this source into the image's libs/kafka/dist (see the Dockerfile's COPY).
      expect(topics.command).toEqual(['node', 'libs/kafka/dist/admin/topics-cli.js']);
      expect(existsSync(join(repoRoot, 'libs/kafka/src/admin/topics-cli.ts'))).toBe(true);
      expect(topics.build).toEqual(service(compose, 'user-service').build);
      for (const [name, built] of Object.entries(compose.services).filter(([, s]) => s.build)) {
        expect([name, built.build?.context, existsSync(join(repoRoot, built.build?.dockerfile ?? '-'))]).toEqual([
          name,
          '.',
          true,
        ]);
      }
    });
  });
});
