/**
 * The platform's infrastructure in containers, for machines with a Docker engine: Apache Kafka (KRaft),
 * Apicurio Registry on PostgreSQL, PostgreSQL with the services' databases, Mailpit and Keycloak, configured like the
 * local stack (tools/local-stack) and docker-compose.yml, with the images pinned in the repo root `.env`.
 *
 * Not exported from the package index: it loads testcontainers, and normal tests must stay light. The Jest
 * global setup and tools/ci/with-containers.mjs import this file by path.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { GenericContainer, Network, Wait } from 'testcontainers';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { readImagePins } from './images';
import type { ImagePins } from './images';
import { waitFor } from '../wait-for';

/** What tests get: the env `stackEndpoints()` and `createTestDatabase()` read. */
export interface ContainerStackEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  PGHOST: string;
  PGPORT: string;
  PGADMIN_USER: string;
  PGADMIN_PASSWORD: string;
  SMTP_HOST: string;
  SMTP_PORT: string;
  MAIL_API_URL: string;
  OIDC_ISSUER_URL: string;
}

export interface ContainerStack {
  readonly env: ContainerStackEnv;
  /** One line: images and where they answer. */
  readonly summary: string;
  /** Stops every container and the network; safe to call more than once. */
  stop(): Promise<void>;
}

// One role and database per service, plus the registry's; password = name. Same list as the local stack's
// (tools/local-stack/lib/settings.mjs), which libs/testing cannot import.
const REGISTRY_DATABASE = 'apicurio_registry';
export const SERVICE_DATABASES = ['user_service', 'email_service', 'dashboard_service', REGISTRY_DATABASE] as const;

const PG_ADMIN = { user: 'postgres', password: 'postgres' };

// Kafka listeners as in docker-compose.yml: EXTERNAL is what tests reach through the mapped port; INTERNAL
// (kafka:19092) serves inter-broker traffic and containers on the network; CONTROLLER is the KRaft quorum.
const KAFKA_EXTERNAL_PORT = 9092;
const KAFKA_INTERNAL_PORT = 19092;
const KAFKA_CONTROLLER_PORT = 9093;
const ADVERTISED_FILE = '/tmp/test-stack-advertised-listeners';
const READY_FILE = `${ADVERTISED_FILE}.ready`;
const KAFKA_WAITING = 'test-stack: waiting for the advertised listeners';

/**
 * apache/kafka reads server properties from KAFKA_* env: compose's broker settings, plus the local stack's
 * num.partitions (6), which the suites have always run with.
 */
function kafkaEnvironment(): Record<string, string> {
  return {
    CLUSTER_ID: randomBytes(16).toString('base64url'),
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: `INTERNAL://:${KAFKA_INTERNAL_PORT},EXTERNAL://:${KAFKA_EXTERNAL_PORT},CONTROLLER://:${KAFKA_CONTROLLER_PORT}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${KAFKA_CONTROLLER_PORT}`,
    // The image's default data dir: a test broker keeps nothing (compose uses a named volume instead).
    KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
    KAFKA_NUM_PARTITIONS: '6',
    // Topics come from the event catalog (ensureTopics), never from a producer's first write.
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
  };
}

/**
 * apache/kafka as a GenericContainer: @testcontainers/kafka 12's KafkaContainer drives Confluent's cp-kafka
 * scripts (/etc/confluent/docker/run) and cannot run the apache/kafka image compose uses. The EXTERNAL listener must
 * advertise the mapped port, known only once the container runs, so the broker waits for a file with its
 * advertised listeners (the approach of Testcontainers for Java's apache/kafka KafkaContainer). The file is
 * written first and a separate ready flag second, so the broker never reads a half-copied file.
 */
async function startKafka(image: string, network: StartedNetwork): Promise<StartedTestContainer> {
  const container = await new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts(KAFKA_EXTERNAL_PORT)
    .withEnvironment(kafkaEnvironment())
    .withCommand([
      'sh',
      '-c',
      `echo '${KAFKA_WAITING}'; while [ ! -f ${READY_FILE} ]; do sleep 0.1; done; ` +
        `export KAFKA_ADVERTISED_LISTENERS="$(cat ${ADVERTISED_FILE})"; exec /etc/kafka/docker/run`,
    ])
    .withWaitStrategy(Wait.forLogMessage(KAFKA_WAITING))
    .start();
  try {
    const bootstrap = `${container.getHost()}:${container.getMappedPort(KAFKA_EXTERNAL_PORT)}`;
    const advertised = `INTERNAL://kafka:${KAFKA_INTERNAL_PORT},EXTERNAL://${bootstrap}`;
    await container.copyContentToContainer([{ content: advertised, target: ADVERTISED_FILE, mode: 0o644 }]);
    await container.copyContentToContainer([{ content: '', target: READY_FILE, mode: 0o644 }]);
    await kafkaAnswers(bootstrap);
    return container;
  } catch (error) {
    await container.stop().catch(() => undefined);
    throw error;
  }
}

/** Real check from the host: the cluster's metadata names the broker at the address tests use. */
async function kafkaAnswers(bootstrap: string): Promise<void> {
  await waitFor(
    `Kafka at ${bootstrap}`,
    async () => {
      const admin = new Kafka({
        brokers: [bootstrap],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 2000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const { brokers } = await admin.describeCluster();
        return brokers.some((broker) => `${broker.host}:${broker.port}` === bootstrap);
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

async function startPostgres(image: string, network: StartedNetwork): Promise<StartedPostgreSqlContainer> {
  const container = await new PostgreSqlContainer(image)
    .withNetwork(network)
    .withNetworkAliases('postgres')
    .withUsername(PG_ADMIN.user)
    .withPassword(PG_ADMIN.password)
    .withDatabase('postgres')
    .start();
  try {
    const client = new pg.Client({ connectionString: container.getConnectionUri() });
    await client.connect();
    try {
      // Fresh server: no existence checks needed. Names come from the constant list above.
      for (const name of SERVICE_DATABASES) {
        await client.query(`CREATE ROLE ${name} LOGIN PASSWORD '${name}'`);
        await client.query(`CREATE DATABASE ${name} OWNER ${name}`);
      }
    } finally {
      await client.end();
    }
    return container;
  } catch (error) {
    await container.stop().catch(() => undefined);
    throw error;
  }
}

/** Apicurio Registry 3 storing schemas in PostgreSQL (reached on the network as `postgres`), as the local stack runs it. */
async function startRegistry(image: string, network: StartedNetwork): Promise<StartedTestContainer> {
  const container = await new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('registry')
    .withExposedPorts(8080)
    .withEnvironment({
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_STORAGE_SQL_KIND: 'postgresql',
      APICURIO_DATASOURCE_URL: `jdbc:postgresql://postgres:5432/${REGISTRY_DATABASE}`,
      APICURIO_DATASOURCE_USERNAME: REGISTRY_DATABASE,
      APICURIO_DATASOURCE_PASSWORD: REGISTRY_DATABASE,
      APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: '2',
      APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
      APICURIO_DATASOURCE_JDBC_MAX_SIZE: '20',
    })
    // The Confluent-compatible API the services use answers only once storage is up.
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start();
  try {
    await setGlobalCompatibilityRule(`http://${container.getHost()}:${container.getMappedPort(8080)}`);
    return container;
  } catch (error) {
    await container.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * A global BACKWARD_TRANSITIVE rule, as the local stack, docker compose and k8s set it: without any rule Apicurio
 * accepts every schema change; transitive, as libs/events' compatibility tests check every version against all
 * earlier ones.
 */
async function setGlobalCompatibilityRule(registryUrl: string): Promise<void> {
  const response = await fetch(`${registryUrl}/apis/registry/v3/admin/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'BACKWARD_TRANSITIVE' }),
  });
  if (!response.ok) {
    throw new Error(
      `Setting the registry's global BACKWARD_TRANSITIVE rule failed: ${response.status} ${await response.text()}`,
    );
  }
}

/** Mailpit: SMTP on 1025, the API tests read captured mail from on 8025 (the local sink keeps 1000 messages too). */
async function startMailpit(image: string): Promise<StartedTestContainer> {
  return new GenericContainer(image)
    .withExposedPorts(1025, 8025)
    .withEnvironment({ MP_MAX_MESSAGES: '1000' })
    .withWaitStrategy(Wait.forAll([Wait.forListeningPorts(), Wait.forHttp('/api/v1/messages', 8025)]))
    .start();
}

// libs/testing/{src,dist}/containers -> the repository root, where the realm file is.
const REALM_FILE = join(__dirname, '..', '..', '..', '..', 'deploy', 'keycloak', 'kafka-platform-realm.json');
const REALM = 'kafka-platform';

/**
 * Keycloak with the repo's realm, in dev mode (its own in-memory database: the tests' tokens need nothing to
 * outlive the run). The issuer is the address tests and in-process services reach it at: Keycloak derives it from
 * the request's host when no hostname is set. Bootstrap admin admin/admin, as the local stack's.
 */
async function startKeycloak(image: string): Promise<StartedTestContainer> {
  return new GenericContainer(image)
    .withExposedPorts(8080)
    .withEnvironment({ KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: 'admin' })
    .withCopyFilesToContainer([{ source: REALM_FILE, target: `/opt/keycloak/data/import/${REALM}-realm.json` }])
    .withCommand(['start-dev', '--import-realm', '--cache=local'])
    .withWaitStrategy(Wait.forHttp(`/realms/${REALM}/.well-known/openid-configuration`, 8080))
    .withStartupTimeout(180_000)
    .start();
}

/**
 * Starts the five containers (Kafka and Mailpit side by side with PostgreSQL, the registry once its database
 * exists) and returns the env tests need. A failure stops whatever had started, after every start has settled;
 * Testcontainers' reaper removes the containers of a process that dies without calling stop().
 */
export async function startContainers(pins: ImagePins = readImagePins()): Promise<ContainerStack> {
  const network = await new Network().start();
  const started: StartedTestContainer[] = [];
  const keep = <T extends StartedTestContainer>(container: T): T => {
    started.push(container);
    return container;
  };
  let stopping: Promise<void> | undefined;
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([...started].reverse().map((container) => container.stop()));
    await network.stop().catch(() => undefined);
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failures.length > 0) {
      throw new Error(`Stopping the test containers failed: ${failures.map((f) => String(f.reason)).join('; ')}`);
    }
  };
  const stop = () => (stopping ??= stopAll());

  const [kafka, database, mailpit, keycloak] = await Promise.allSettled([
    startKafka(pins.kafka, network).then(keep),
    startPostgres(pins.postgres, network)
      .then(keep)
      .then(async (postgres) => ({ postgres, registry: keep(await startRegistry(pins.apicurio, network)) })),
    startMailpit(pins.mailpit).then(keep),
    startKeycloak(pins.keycloak).then(keep),
  ]);
  if (
    kafka.status === 'rejected' ||
    database.status === 'rejected' ||
    mailpit.status === 'rejected' ||
    keycloak.status === 'rejected'
  ) {
    await stop().catch(() => undefined);
    const failure = [kafka, database, mailpit, keycloak].find((result) => result.status === 'rejected');
    throw failure?.reason;
  }
  const { postgres, registry } = database.value;

  const address = (container: StartedTestContainer, port: number) =>
    `${container.getHost()}:${container.getMappedPort(port)}`;
  const env: ContainerStackEnv = {
    KAFKA_BROKERS: address(kafka.value, KAFKA_EXTERNAL_PORT),
    SCHEMA_REGISTRY_URL: `http://${address(registry, 8080)}/apis/ccompat/v7`,
    PGHOST: postgres.getHost(),
    PGPORT: String(postgres.getPort()),
    PGADMIN_USER: PG_ADMIN.user,
    PGADMIN_PASSWORD: PG_ADMIN.password,
    SMTP_HOST: mailpit.value.getHost(),
    SMTP_PORT: String(mailpit.value.getMappedPort(1025)),
    MAIL_API_URL: `http://${address(mailpit.value, 8025)}`,
    OIDC_ISSUER_URL: `http://${address(keycloak.value, 8080)}/realms/${REALM}`,
  };
  const summary = [
    `kafka ${pins.kafka} at ${env.KAFKA_BROKERS}`,
    `registry ${pins.apicurio} at ${env.SCHEMA_REGISTRY_URL}`,
    `postgres ${pins.postgres} at ${env.PGHOST}:${env.PGPORT}`,
    `mailpit ${pins.mailpit} at smtp ${env.SMTP_HOST}:${env.SMTP_PORT}, api ${env.MAIL_API_URL}`,
    `keycloak ${pins.keycloak} at ${env.OIDC_ISSUER_URL}`,
  ].join('; ');
  return { env, summary, stop };
}
