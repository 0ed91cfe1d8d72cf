// docker-compose.yml, checked offline (no Docker engine here): it parses, every image is pinned in .env, every
// long-running service has a healthcheck and the others wait on it, ports and env names follow the contract and
// the services' own config schemas, every port is published on loopback only, the addresses point at services of
// the file, and Keycloak serves the realm the services verify tokens of. The same holds for the three-broker variant
// (docker-compose.three-brokers.yml with --profile three-brokers), merged here as compose merges it, plus the KRaft
// cluster's own rules. Each rule is also shown to fail on a broken copy, so a passing run means
// something.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  applyProfiles,
  appEnvironment,
  appWiring,
  bindMountSources,
  databasesExist,
  dependsOnConditions,
  healthchecks,
  imagesPinned,
  kafkaClientProblems,
  kafkaClusterProblems,
  kafkaNodes,
  mergeComposeFiles,
  oneShotServices,
  portsFollowContract,
  portsOnLoopback,
  serviceAddresses,
  unsetVariables,
} from './support/compose-rules';
import type { ComposeFile, ComposeService } from './support/compose-rules';
import { configEnvNames, repoRoot } from './support/config-env-names';
import { imagePins } from './support/image-pins';
import { platformApps, streamProcessors } from './support/platform-apps';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText) as ComposeFile;
const pins = imagePins();
const initSql = read('deploy/compose/postgres-init.sql');
const REALM_FILE = './deploy/keycloak/kafka-platform-realm.json';
const realm = JSON.parse(read(REALM_FILE)) as { realm: string; clients: { clientId: string }[] };
/** The issuer of the contract (docs/ARCHITECTURE.md), the same as the local stack's. */
const ISSUER = 'http://localhost:8180/realms/kafka-platform';

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

/** Every service of the workspace (apps/* with a Dockerfile), with its API and management ports. */
const PLATFORM_APPS = platformApps();
const APPS = PLATFORM_APPS.map((app) => app.name);
/** The stream processors (apps/* with a Dockerfile and no NestJS module): a management port, no API or database. */
const PROCESSORS = streamProcessors();
/** Every app that runs on Kafka: the services and the processors. */
const KAFKA_APPS = [...APPS, ...PROCESSORS.map((processor) => processor.name)];

// Host ports of docs/ARCHITECTURE.md's contract (the same as the local stack's), plus the Kafka UI, Prometheus,
// Grafana and Jaeger (UI, OTLP gRPC and HTTP). The apps publish their API port (their module's defaultPort) and their
// management port (/metrics, /docs: MANAGEMENT_PORT), both on loopback.
const CONTRACT_PORTS: Record<string, number[]> = {
  ...Object.fromEntries(PLATFORM_APPS.map((app) => [app.name, [app.port, app.management]])),
  ...Object.fromEntries(PROCESSORS.map((processor) => [processor.name, [processor.management]])),
  kafka: [9092],
  registry: [8081],
  postgres: [5432],
  mailpit: [1025, 8025],
  'kafka-ui': [8080],
  keycloak: [8180],
  prometheus: [9090],
  grafana: [3000],
  jaeger: [16686, 4317, 4318],
};

// What each app cannot start without (the others have defaults); PORT is set so it matches the published port.
// The OIDC pair too: the issuer's default is the host's address, where no container finds the signing keys.
const OIDC_ENV = ['OIDC_ISSUER_URL', 'OIDC_JWKS_URL'];
const COMMON_REQUIRED_ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL', 'PORT', ...OIDC_ENV];
/** What an app needs beyond every service's: the email-service its SMTP relay. */
const EXTRA_REQUIRED_ENV: Record<string, string[]> = { 'email-service': ['SMTP_HOST', 'SMTP_PORT'] };
const requiredEnv = (app: string): string[] => [...COMMON_REQUIRED_ENV, ...(EXTRA_REQUIRED_ENV[app] ?? [])];
/** A processor needs Kafka and the registry; MANAGEMENT_PORT is set so it matches the published port. */
const PROCESSOR_REQUIRED_ENV = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MANAGEMENT_PORT'];

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
      const platform = applyProfiles(compose, []);
      expect([...oneShotServices(platform)].sort()).toEqual(['registry-init', 'topics']);
      expect(healthchecks(platform)).toEqual([]);
    });

    it('does so with the connect profile too, whose last job (registering the connector) nothing waits for', () => {
      const withConnect = applyProfiles(compose, ['connect']);
      expect([...oneShotServices(withConnect)].sort()).toEqual(['connect-plugins', 'registry-init', 'topics']);
      expect(healthchecks(withConnect)).toEqual(['connect-register: a long-running service without a healthcheck']);
      expect(service(compose, 'connect-register').restart).toBe('no');
      expect(dependsOnConditions(withConnect)).toEqual([]);
    });

    it('starts a service only when what it needs is healthy or done', () => {
      expect(dependsOnConditions(compose)).toEqual([]);
      for (const app of APPS) {
        expect(service(compose, app).depends_on).toMatchObject({
          kafka: { condition: 'service_healthy' },
          postgres: { condition: 'service_healthy' },
          keycloak: { condition: 'service_healthy' },
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

    it('publishes every port on the host loopback only, never on every interface', () => {
      expect(portsOnLoopback(compose)).toEqual([]);
      expect(Object.values(compose.services).flatMap((s) => s.ports ?? [])).toEqual(
        expect.arrayContaining(['127.0.0.1:9092:9092', '127.0.0.1:5432:5432', '127.0.0.1:8180:8080']),
      );
      // The management ports (/metrics, /docs) as well: for the machine's own Prometheus and operators only.
      expect(PLATFORM_APPS.map(({ name }) => service(compose, name).ports)).toEqual(
        PLATFORM_APPS.map(({ port, management }) => [
          `127.0.0.1:${port}:${port}`,
          `127.0.0.1:${management}:${management}`,
        ]),
      );
      // The contract's three, so the derived list above cannot drift from docs/ARCHITECTURE.md unnoticed.
      expect(['user-service', 'email-service', 'dashboard-service'].map((app) => CONTRACT_PORTS[app])).toEqual([
        [3001, 9001],
        [3002, 9002],
        [3003, 9003],
      ]);
    });

    it.each([
      ['no address', '5432:5432', 'postgres: publishes 5432:5432 on every interface, not on 127.0.0.1'],
      ['every interface', '0.0.0.0:5432:5432', 'postgres: publishes 0.0.0.0:5432:5432 on 0.0.0.0, not on 127.0.0.1'],
      ['IPv6 any', '[::]:5432:5432', 'postgres: publishes [::]:5432:5432 on [::], not on 127.0.0.1'],
    ])('reports a port published on %s', (_, port, problem) => {
      expect(portsOnLoopback(mutated((c) => (service(c, 'postgres').ports = [port])))).toEqual([problem]);
    });

    it("matches the apps' own default ports, each app's ports its own", () => {
      for (const app of APPS) {
        const modules = read(`apps/${app}/src/${app}.module.ts`);
        expect(Number(/defaultPort:\s*(\d+)/.exec(modules)?.[1])).toBe(CONTRACT_PORTS[app]?.[0]);
      }
      const ports = PLATFORM_APPS.flatMap((app) => [app.port, app.management]);
      expect(new Set(ports).size).toBe(ports.length);
    });

    it.each([
      [
        'another port',
        (c: ComposeFile) => (service(c, 'user-service').ports = ['3005:3001', '127.0.0.1:9001:9001']),
        'user-service: publishes 3005, 9001, the contract says 3001, 9001',
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
        expect.arrayContaining(['libs/kafka/src/config/kafka-config.ts', 'libs/platform/src/config/service-config.ts']),
      );
      expect(names.has('KAFKA_BROKERS') && names.has('DATABASE_URL')).toBe(true);
      expect(appEnvironment(app, service(compose, app), names, requiredEnv(app))).toEqual([]);
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
      expect(appEnvironment(app, service(file, app), configEnvNames(app).names, requiredEnv(app))).toEqual([problem]);
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
      [
        'a MANAGEMENT_PORT it does not publish',
        { MANAGEMENT_PORT: 9009 },
        'user-service: MANAGEMENT_PORT 9009 is not published on the same host port',
      ],
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

    it('runs Keycloak in production mode on the pinned image of the local stack, importing the realm file', () => {
      const keycloak = service(compose, 'keycloak');
      expect(keycloak.image).toBe('${KEYCLOAK_IMAGE}');
      // The very Keycloak the local stack runs from Maven Central.
      const settings = read('tools/local-stack/lib/settings.mjs');
      const version = /export const keycloak = \{\s*version: '([^']+)'/.exec(settings)?.[1];
      expect(pins.get('KEYCLOAK_IMAGE')).toBe(`quay.io/keycloak/keycloak:${version}`);
      expect(keycloak.command).toEqual(['start', '--import-realm']);
      expect(keycloak.volumes).toContain(`${REALM_FILE}:/opt/keycloak/data/import/${realm.realm}-realm.json:ro`);
      expect(realm.realm).toBe('kafka-platform');
      expect(env('keycloak')).toMatchObject({
        KC_DB: 'postgres',
        KC_HEALTH_ENABLED: 'true',
        KC_HTTP_ENABLED: 'true',
        // The address the browser uses, whatever address a request came in on: every token carries the same `iss`.
        KC_HOSTNAME: new URL(ISSUER).origin,
      });
      expect(keycloak.ports).toEqual([`127.0.0.1:${new URL(ISSUER).port}:8080`]);
      expect(keycloak.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      // Health is asked of the management port, where KC_HEALTH_ENABLED puts /health/ready.
      expect(String((keycloak.healthcheck?.test as string[]).at(-1))).toMatch(
        /\/dev\/tcp\/127\.0\.0\.1\/9000 .*GET \/health\/ready HTTP\/1\.1.* 200 /,
      );
    });

    it("stores Keycloak's data in a database the init script creates for its role", () => {
      const keycloak = env('keycloak');
      const url = String(keycloak['KC_DB_URL']).replace(
        'jdbc:postgresql://',
        `postgresql://${keycloak['KC_DB_USERNAME']}:${keycloak['KC_DB_PASSWORD']}@`,
      );
      expect(databasesExist({ keycloak: url }, initSql)).toEqual([]);
      expect(databasesExist({ keycloak: url }, initSql.replace(/CREATE DATABASE keycloak[^;]*;/, ''))).toEqual([
        'keycloak: database keycloak is not created by the init script',
      ]);
    });

    it.each(APPS)(
      '%s verifies tokens of the realm: the issuer the browser sees, the keys fetched inside the network',
      (app) => {
        const appEnv = env(app);
        expect(appEnv['OIDC_ISSUER_URL']).toBe(ISSUER);
        expect(appEnv['OIDC_ISSUER_URL']).toBe(`${env('keycloak')['KC_HOSTNAME']}/realms/${realm.realm}`);
        // No OIDC_AUDIENCE: it defaults to the service's name, a bearer-only client of the realm.
        expect(appEnv['OIDC_AUDIENCE']).toBeUndefined();
        expect(realm.clients.map((client) => client.clientId)).toContain(app);
        const jwks = new URL(String(appEnv['OIDC_JWKS_URL']));
        expect(serviceAddresses(compose, 'keycloak').has(`${jwks.hostname}:${jwks.port}`)).toBe(true);
        expect(jwks.pathname).toBe(`/realms/${realm.realm}/protocol/openid-connect/certs`);
        expect(service(compose, app).depends_on).toMatchObject({ keycloak: { condition: 'service_healthy' } });
      },
    );

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

describe('docker-compose.yml: the stream processors', () => {
  it('finds them in the workspace (apps/* with a Dockerfile and no NestJS module)', () => {
    expect(PROCESSORS.map((processor) => processor.name)).toContain('signup-analytics');
  });

  describe.each(PROCESSORS)('$name', ({ name, management }) => {
    const processor = () => service(compose, name);

    it('is built from its own Dockerfile on the pinned Node image', () => {
      expect(processor().build).toEqual({
        context: '.',
        dockerfile: `apps/${name}/Dockerfile`,
        args: { NODE_IMAGE: '${NODE_IMAGE}' },
      });
    });

    it('publishes its management port only (it has no API), on loopback, as MANAGEMENT_PORT says', () => {
      expect(processor().ports).toEqual([`127.0.0.1:${management}:${management}`]);
      expect(processor().environment?.['MANAGEMENT_PORT']).toBe(management);
    });

    it('sets only names its config schemas read (no database, no tokens, no PORT), and all it needs', () => {
      const { names, files } = configEnvNames(name);
      expect(files).toEqual(expect.arrayContaining(['libs/kafka/src/config/kafka-config.ts']));
      expect(names.has('DATABASE_URL') || names.has('OIDC_ISSUER_URL') || names.has('PORT')).toBe(false);
      expect(appEnvironment(name, processor(), names, PROCESSOR_REQUIRED_ENV)).toEqual([]);
      expect(appWiring(compose, name)).toEqual([]);
    });

    it('reports a variable of the services it does not read', () => {
      const changed = withEnv(name, { DATABASE_URL: 'postgresql://x:x@postgres:5432/x' });
      expect(appEnvironment(name, service(changed, name), configEnvNames(name).names, PROCESSOR_REQUIRED_ENV)).toEqual([
        `${name}: sets DATABASE_URL, which no config schema of it reads`,
      ]);
    });

    it('starts once Kafka is healthy and the topics and the registry rule exist, and is restarted after a failure', () => {
      expect(processor().depends_on).toEqual({
        kafka: { condition: 'service_healthy' },
        'registry-init': { condition: 'service_completed_successfully' },
        topics: { condition: 'service_completed_successfully' },
      });
      // It exits on any failure by design (the next start restores the committed state), so something must start it.
      expect(processor().restart).toBe('on-failure');
    });

    it('is healthy when ready: /health/ready on its management port', () => {
      expect([processor().healthcheck?.test ?? []].flat().join(' ')).toContain(
        `http://127.0.0.1:${management}/health/ready`,
      );
    });
  });
});

describe('docker-compose.three-brokers.yml with --profile three-brokers', () => {
  const threeText = read('docker-compose.three-brokers.yml');
  // Compose resolves YAML anchors and `<<` merge keys; so does this parse.
  const three = parse(threeText, { merge: true }) as ComposeFile;
  /** What `docker compose -f docker-compose.yml -f docker-compose.three-brokers.yml [--profile ...] up` runs. */
  const project = (profiles: string[] = ['three-brokers']) =>
    applyProfiles(mergeComposeFiles(compose, three), profiles);
  const NODES = ['kafka', 'kafka-2', 'kafka-3'];
  const THREE_BROKER_PORTS = { ...CONTRACT_PORTS, 'kafka-2': [9192], 'kafka-3': [9292] };
  /** The three-broker project with one change, for the negative tests. */
  const broken = (change: (copy: ComposeFile) => void): ComposeFile => {
    const copy = structuredClone(project());
    change(copy);
    return copy;
  };
  const setEnv = (copy: ComposeFile, names: string[], variable: string, value: string | number | undefined) => {
    for (const name of names) {
      const env = { ...service(copy, name).environment };
      if (value === undefined) delete env[variable];
      else env[variable] = value;
      service(copy, name).environment = env;
    }
  };

  it('leaves docker-compose.yml exactly one broker, with or without the profile', () => {
    for (const profiles of [[], ['three-brokers']]) {
      const alone = applyProfiles(compose, profiles);
      expect(kafkaNodes(alone).map(({ name, id }) => [name, id])).toEqual([['kafka', 1]]);
      expect(kafkaClusterProblems(alone)).toEqual([]);
      expect(kafkaClientProblems(alone)).toEqual([]);
    }
    // Only Kafka Connect and its jobs are opt-in in docker-compose.yml (`--profile connect`).
    expect(
      Object.entries(compose.services)
        .filter(([, s]) => s.profiles)
        .map(([name, s]) => [name, s.profiles]),
    ).toEqual([
      ['connect-plugins', ['connect']],
      ['connect', ['connect']],
      ['connect-register', ['connect']],
    ]);
  });

  it('adds only nodes 2 and 3, both in the three-brokers profile, and changes only services of docker-compose.yml', () => {
    expect(unsetVariables(threeText, pins)).toEqual([]);
    const added = Object.keys(three.services).filter((name) => !(name in compose.services));
    expect(added).toEqual(['kafka-2', 'kafka-3']);
    for (const name of added) expect(service(three, name).profiles).toEqual(['three-brokers']);
  });

  it('runs three KRaft nodes, ids 1 to 3, one quorum of all three, on the pinned Kafka image', () => {
    const nodes = kafkaNodes(project());
    expect(nodes.map(({ name, id }) => [name, id])).toEqual([
      ['kafka', 1],
      ['kafka-2', 2],
      ['kafka-3', 3],
    ]);
    for (const { service: node } of nodes) {
      expect(node.image).toBe('${KAFKA_IMAGE}');
      expect(node.environment).toMatchObject({
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093,2@kafka-2:9193,3@kafka-3:9293',
      });
    }
    expect(pins.get('KAFKA_IMAGE')).toBe('apache/kafka:4.3.1');
    expect(kafkaClusterProblems(project())).toEqual([]);
  });

  it('publishes node 1 on localhost:9092 and nodes 2 and 3 on 9192 and 9292, the controllers on none', () => {
    expect(portsFollowContract(project(), THREE_BROKER_PORTS)).toEqual([]);
    expect(portsOnLoopback(project())).toEqual([]);
    const advertised = NODES.map((name) => service(project(), name).environment?.['KAFKA_ADVERTISED_LISTENERS']);
    expect(advertised).toEqual([
      'INTERNAL://kafka:19092,EXTERNAL://localhost:9092',
      'INTERNAL://kafka-2:19092,EXTERNAL://localhost:9192',
      'INTERNAL://kafka-3:19092,EXTERNAL://localhost:9292',
    ]);
  });

  it('replicates Kafka internal topics and new topics 3 times, 2 in sync', () => {
    for (const name of NODES) {
      expect({ name, env: service(project(), name).environment }).toMatchObject({
        name,
        env: {
          KAFKA_DEFAULT_REPLICATION_FACTOR: 3,
          KAFKA_MIN_INSYNC_REPLICAS: 2,
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
        },
      });
    }
  });

  it('keeps each node in a volume of its own, apart from the one-broker volume', () => {
    const volumes = NODES.map((name) => service(project(), name).volumes);
    expect(volumes).toEqual([
      ['kafka-1-data:/var/lib/kafka/data'],
      ['kafka-2-data:/var/lib/kafka/data'],
      ['kafka-3-data:/var/lib/kafka/data'],
    ]);
  });

  it('gives the topics job, the services and Kafka UI all three brokers, started once all three are healthy', () => {
    expect(kafkaClientProblems(project())).toEqual([]);
    for (const name of ['topics', ...KAFKA_APPS]) {
      expect({ name, brokers: service(project(), name).environment?.['KAFKA_BROKERS'] }).toEqual({
        name,
        brokers: 'kafka:19092,kafka-2:19092,kafka-3:19092',
      });
    }
    for (const app of APPS) {
      expect(appWiring(project(), app)).toEqual([]);
      expect(appEnvironment(app, service(project(), app), configEnvNames(app).names, requiredEnv(app))).toEqual([]);
    }
    for (const { name } of PROCESSORS) {
      expect(appWiring(project(), name)).toEqual([]);
      expect(
        appEnvironment(name, service(project(), name), configEnvNames(name).names, PROCESSOR_REQUIRED_ENV),
      ).toEqual([]);
    }
  });

  it('keeps every image pinned, every long-running service health-checked and the start order by state', () => {
    expect(imagesPinned(project(), pins)).toEqual([]);
    expect(healthchecks(project())).toEqual([]);
    expect(dependsOnConditions(project())).toEqual([]);
    // Node 1's health is asked on the inter-broker listener too: the three nodes' metadata names kafka-2:19092 etc.
    expect(service(project(), 'kafka').healthcheck?.test).toEqual(service(project(), 'kafka-2').healthcheck?.test);
  });

  it('is refused without the profile: the clients depend on nodes 2 and 3, which only the profile enables', () => {
    expect(dependsOnConditions(project([]))).toEqual(
      expect.arrayContaining([
        'topics: depends on kafka-2, which the active profiles do not enable',
        'user-service: depends on kafka-3, which the active profiles do not enable',
      ]),
    );
  });

  describe('merges files as compose does', () => {
    const merged = mergeComposeFiles(
      {
        services: {
          a: {
            environment: { KEEP: 1, CHANGE: 1 },
            volumes: ['one:/data', './x:/x:ro'],
            ports: ['1:1'],
            depends_on: { b: { condition: 'service_healthy' } },
            healthcheck: { test: ['CMD', 'old'], interval: '5s' },
          },
        },
        volumes: { one: null },
      },
      {
        services: {
          a: {
            environment: { CHANGE: 2 },
            volumes: ['two:/data'],
            ports: ['2:2', '1:1'],
            depends_on: { c: { condition: 'service_healthy' } },
            healthcheck: { test: ['CMD', 'new'] },
          },
          d: { image: 'x' },
        },
        volumes: { two: null },
      },
    );

    it('environment and depends_on by name, volumes by container path, ports added, the healthcheck test replaced', () => {
      expect(merged.services['a']).toEqual({
        environment: { KEEP: 1, CHANGE: 2 },
        volumes: ['two:/data', './x:/x:ro'],
        ports: ['1:1', '2:2'],
        depends_on: { b: { condition: 'service_healthy' }, c: { condition: 'service_healthy' } },
        healthcheck: { test: ['CMD', 'new'], interval: '5s' },
      });
      expect(Object.keys(merged.services)).toEqual(['a', 'd']);
      expect(merged.volumes).toEqual({ one: null, two: null });
    });
  });

  // Each case breaks one thing in the merged three-broker project and expects the cluster rules to name it.
  it.each([
    [
      'a quorum without node 3',
      (c: ComposeFile) => setEnv(c, NODES, 'KAFKA_CONTROLLER_QUORUM_VOTERS', '1@kafka:9093,2@kafka-2:9193'),
      'the quorum voters (1@kafka:9093,2@kafka-2:9193) name no node 3 (kafka-3)',
    ],
    [
      'voters whose ids do not match their nodes',
      (c: ComposeFile) =>
        setEnv(c, NODES, 'KAFKA_CONTROLLER_QUORUM_VOTERS', '1@kafka:9093,2@kafka-3:9193,3@kafka-2:9293'),
      'voter 2 is at kafka-3, but node 2 is kafka-2',
    ],
    [
      "a voter at another port than the node's controller listener",
      (c: ComposeFile) =>
        setEnv(c, NODES, 'KAFKA_CONTROLLER_QUORUM_VOTERS', '1@kafka:9093,2@kafka-2:9093,3@kafka-3:9293'),
      "voter 2 is at port 9093, but kafka-2's controller listens on 9193",
    ],
    [
      'a node with other voters than the rest',
      (c: ComposeFile) => setEnv(c, ['kafka-3'], 'KAFKA_CONTROLLER_QUORUM_VOTERS', '3@kafka-3:9293'),
      "kafka-3: quorum voters 3@kafka-3:9293 differ from kafka's",
    ],
    [
      'two nodes with one id',
      (c: ComposeFile) => setEnv(c, ['kafka-3'], 'KAFKA_NODE_ID', 2),
      "kafka-3: node id 2 is also kafka-2's",
    ],
    [
      "a node advertising another node's address",
      (c: ComposeFile) =>
        setEnv(c, ['kafka-3'], 'KAFKA_ADVERTISED_LISTENERS', 'INTERNAL://kafka-3:19092,EXTERNAL://localhost:9192'),
      'kafka-3: advertises localhost:9192, as kafka-2 does',
    ],
    [
      'an address advertised to the host but not published',
      (c: ComposeFile) => (service(c, 'kafka-2').ports = []),
      'kafka-2: advertises localhost:9192, which it does not publish on host port 9192',
    ],
    [
      'an inter-broker address other containers cannot resolve',
      (c: ComposeFile) =>
        setEnv(c, ['kafka-2'], 'KAFKA_ADVERTISED_LISTENERS', 'INTERNAL://localhost:19092,EXTERNAL://localhost:9192'),
      'kafka-2: advertises its inter-broker listener as localhost:19092, not as kafka-2',
    ],
    [
      'a published controller',
      (c: ComposeFile) => service(c, 'kafka-3').ports?.push('9293:9293'),
      'kafka-3: publishes its controller port 9293 (the quorum stays inside compose)',
    ],
    [
      'internal topics with one replica',
      (c: ComposeFile) => setEnv(c, ['kafka-2'], 'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 1),
      'kafka-2: KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR is 1, a 3-node cluster needs 3',
    ],
    [
      'one replica in sync',
      (c: ComposeFile) => setEnv(c, ['kafka'], 'KAFKA_MIN_INSYNC_REPLICAS', 1),
      'kafka: KAFKA_MIN_INSYNC_REPLICAS is 1, a 3-node cluster needs 2',
    ],
    [
      'the default replication left at 1',
      (c: ComposeFile) => setEnv(c, ['kafka-3'], 'KAFKA_DEFAULT_REPLICATION_FACTOR', undefined),
      'kafka-3: KAFKA_DEFAULT_REPLICATION_FACTOR is 1, a 3-node cluster needs 3',
    ],
    [
      'a node of another cluster id',
      (c: ComposeFile) => setEnv(c, ['kafka-3'], 'CLUSTER_ID', 'MkU3OEVBNTcwNTJENDM2Qg'),
      "kafka-3: CLUSTER_ID MkU3OEVBNTcwNTJENDM2Qg differs from kafka's",
    ],
    [
      'a cluster id Kafka cannot read',
      (c: ComposeFile) => setEnv(c, NODES, 'CLUSTER_ID', 'kafka-platform'),
      'kafka-2: CLUSTER_ID "kafka-platform" is not a Kafka cluster id',
    ],
    [
      'two nodes in one volume',
      (c: ComposeFile) => (service(c, 'kafka-3').volumes = ['kafka-2-data:/var/lib/kafka/data']),
      'kafka-3: shares volume kafka-2-data with kafka-2',
    ],
    [
      'a health check on the listener advertised to the host',
      (c: ComposeFile) =>
        (service(c, 'kafka-2').healthcheck = {
          test: ['CMD', '/opt/kafka/bin/kafka-broker-api-versions.sh', '--bootstrap-server', 'localhost:9192'],
        }),
      'kafka-2: the healthcheck asks the EXTERNAL listener, not the inter-broker one',
    ],
  ])('reports %s', (_, change, problem) => {
    expect(kafkaClusterProblems(broken(change))).toContain(problem);
    expect(kafkaClusterProblems(project())).toEqual([]);
  });

  it.each([
    [
      'a client that leaves a node out',
      (c: ComposeFile) => setEnv(c, ['topics'], 'KAFKA_BROKERS', 'kafka:19092,kafka-2:19092'),
      'topics: KAFKA_BROKERS lacks kafka-3:19092',
    ],
    [
      'a client on the host listener',
      (c: ComposeFile) =>
        setEnv(c, ['kafka-ui'], 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS', 'kafka:19092,kafka-2:19092,localhost:9292'),
      "kafka-ui: KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS lists localhost:9292, no node's inter-broker address",
    ],
    [
      'a client that does not wait for a node',
      (c: ComposeFile) => delete (service(c, 'email-service').depends_on as Record<string, unknown>)['kafka-3'],
      'email-service: does not wait for kafka-3 to be healthy',
    ],
  ])('reports %s', (_, change, problem) => {
    expect(kafkaClientProblems(broken(change))).toContain(problem);
  });

  it('reports a node without a health check, which the clients could then not wait for', () => {
    const file = broken((c) => delete service(c, 'kafka-3').healthcheck);
    expect(healthchecks(file)).toContain('kafka-3: a long-running service without a healthcheck');
    expect(dependsOnConditions(file)).toContain('topics: waits for kafka-3 to be healthy, which has no healthcheck');
    expect(kafkaClusterProblems(file)).toContain('kafka-3: the healthcheck asks nothing, no listener of this node');
  });
});
