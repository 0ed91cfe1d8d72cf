// Offline checks of k8s/: each overlay renders with kustomize exactly as `kubectl apply -k` would send it, every
// object validates against its schema, and the platform's rules hold on that output: pod security and probes,
// topics and replication from the event catalog, least-privilege Kafka users, lag scaling within the partitions,
// network policies, and no committed credentials. No cluster is involved; what only a cluster can show is listed in
// the README ("Deploy to Kubernetes"). The Strimzi and KEDA resources are checked against the CRD schemas of the
// releases the README names (support/k8s-schemas.ts says which packages hold them).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CONSUMER_GROUPS,
  deadLetterTopic,
  eventCatalog,
  SIGNUP_ANALYTICS_CHANGELOG_TOPIC,
  topicSpecs,
  USER_EVENTS_TOPIC,
} from '@kafka-platform/events';
import { configEnvNames, repoRoot, RUNTIME_ENV_NAMES, schemaKeys } from './support/config-env-names';
import { imagePins } from './support/image-pins';
import { platformApps, streamProcessors } from './support/platform-apps';
import type { EnvVar, K8sObject, Workload } from './support/k8s-manifests';
import { Manifests, nameOf, parseManifests, renderOverlay, selects } from './support/k8s-manifests';
import {
  envNameProblems,
  envValue,
  imageProblems,
  namespaceProblems,
  podSecurityProblems,
  referenceProblems,
  resourceProblems,
  serviceProbeProblems,
} from './support/k8s-rules';
import {
  cliProblems,
  schemaGateProblems,
  SCHEMAS_CLI,
  SCHEMAS_INIT_CONTAINER,
  SCHEMAS_JOB,
  schemasCommandEnvNames,
} from './support/schema-gate';
import {
  customResourceProblems,
  isCustomResource,
  platformKafkaVersion,
  schemaProblems,
  STRIMZI,
} from './support/k8s-schemas';

const NAMESPACE = 'kafka-platform';
const KAFKA = 'kafka-platform';
// The API port and the management port (/metrics, /docs: MANAGEMENT_PORT, the API port + 6000 by default).
// Every service of the workspace (apps/* with a Dockerfile, support/platform-apps.ts), so a generated one is held to
// the same rules as the three the platform ships.
const APPS = platformApps();
/** The namespaces the network policies admit: the ingress controller's to the APIs, Prometheus' to the metrics. */
const INGRESS_NAMESPACE = 'ingress-nginx';
const MONITORING_NAMESPACE = 'monitoring';
/** Where prod mounts the CAs it verifies the database's and the registry's certificates with. */
const POSTGRES_CA = '/etc/postgres-ca/ca.crt';
const REGISTRY_CA = '/etc/registry-ca/ca.crt';
const APP_NAMES = APPS.map((app) => app.name);
/**
 * The stream processors (apps/* with a Dockerfile and no NestJS module, support/platform-apps.ts): one port, the
 * management one; Kafka and the registry, no database, no tokens; one pod (k8s/base/apps/signup-analytics.yaml).
 */
const PROCESSORS = streamProcessors();
const PROCESSOR_NAMES = PROCESSORS.map((processor) => processor.name);
/** Every app with a Deployment, a KafkaUser and a registry login: the services and the processors. */
const KAFKA_APP_NAMES = [...APP_NAMES, ...PROCESSOR_NAMES];
const OUR_IMAGES = 'ghcr.io/your-org/kafka-platform/';
const REALM_FILE = 'deploy/keycloak/kafka-platform-realm.json';
const REALM = (JSON.parse(readFileSync(join(repoRoot, REALM_FILE), 'utf8')) as { realm: string }).realm;
/** The contract's issuer (docs/ARCHITECTURE.md): the local stack's, docker compose's, dev's through a port-forward. */
const LOCAL_ISSUER = `http://localhost:8180/realms/${REALM}`;

// What each overlay promises about the Kafka cluster: dev one node, prod three that survive losing one.
const CLUSTER = {
  dev: { brokers: 1, replicationFactor: 1, minInsync: 1 },
  prod: { brokers: 3, replicationFactor: 3, minInsync: 2 },
} as const;
type Overlay = keyof typeof CLUSTER;

// Secrets the prod overlay expects to exist without committing them: the operator creates these ...
// One of each per service, documented once as <service>-database and <service>-registry ...
const PER_SERVICE_SECRETS: Record<string, string[]> = {
  database: ['url'],
  // The service as a Confluent-API client of the registry: a confidential client of the OpenID Connect provider.
  registry: ['client-id', 'client-secret'],
};
// ... and these once for the platform.
const PROD_SHARED_SECRETS: Record<string, string[]> = {
  'apicurio-registry-database': ['username', 'password'],
  'postgres-ca': ['ca.crt'],
  'email-service-smtp': ['username', 'password'],
  'apicurio-registry-tls': ['keystore.p12', 'ca.crt'],
  'apicurio-registry-keystore': ['password'],
  // Confluent-API clients of the registry: confidential clients of the OpenID Connect provider.
  'schemas-register-registry': ['client-id', 'client-secret'],
  'apicurio-registry-admin': ['client-id', 'client-secret'],
  // Crypto-shredding's key-encryption key (openssl rand -base64 32), shared by every service that seals or opens.
  'personal-data-key': ['key-encryption-key'],
};
const PROD_OPERATOR_SECRETS: Record<string, string[]> = {
  ...PROD_SHARED_SECRETS,
  ...Object.fromEntries(
    APPS.flatMap((app) => Object.entries(PER_SERVICE_SECRETS).map(([kind, keys]) => [`${app.name}-${kind}`, keys])),
  ),
  // A processor has no database: only its registry login.
  ...Object.fromEntries(PROCESSOR_NAMES.map((name) => [`${name}-registry`, PER_SERVICE_SECRETS['registry'] ?? []])),
};
// ... and Strimzi these: the cluster CA and one Secret per KafkaUser.
const strimziSecrets = (manifests: Manifests): Record<string, string[]> => ({
  [`${KAFKA}-cluster-ca-cert`]: ['ca.crt'],
  ...Object.fromEntries(manifests.ofKind('KafkaUser').map((user) => [user.metadata.name, ['password']])),
});

// The registry's connection pool per replica as docker-compose.yml sets it; Apicurio's default is 20 to 100.
const COMPOSE_REGISTRY_POOL: Record<string, string> = (() => {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, unknown> }>;
  };
  const env = compose.services['registry']?.environment ?? {};
  const names = ['INITIAL_SIZE', 'MIN_SIZE', 'MAX_SIZE'].map((size) => `APICURIO_DATASOURCE_JDBC_${size}`);
  return Object.fromEntries(names.map((variable) => [variable, String(env[variable])]));
})();
const POSTGRES_DEFAULT_MAX_CONNECTIONS = 100;

const rendered = new Map<Overlay, Manifests>();
/** Rendered once per overlay, on first use: a render failure fails the tests that need it, with kustomize's message. */
const overlay = (name: Overlay): Manifests => {
  if (!rendered.has(name)) rendered.set(name, renderOverlay(name));
  return rendered.get(name) as Manifests;
};

const deployment = (manifests: Manifests, name: string) => manifests.get<Workload>('Deployment', name);
const clone = <T>(value: T): T => structuredClone(value);

interface Listener {
  name: string;
  port: number;
  tls: boolean;
  authentication?: { type: string };
}
const kafkaSpec = (manifests: Manifests) =>
  manifests.get('Kafka', KAFKA).spec as {
    kafka: {
      version: string;
      listeners: Listener[];
      config: Record<string, unknown>;
      authorization?: { type: string };
    };
  };
/** The listener the services use: the one KAFKA_BROKERS points at. */
function clientListener(manifests: Manifests): Listener {
  const brokers = envValue(deployment(manifests, 'user-service'), 'user-service', manifests, 'KAFKA_BROKERS');
  const port = Number(/:(\d+)$/.exec(brokers ?? '')?.[1]);
  const listener = kafkaSpec(manifests).kafka.listeners.find((candidate) => candidate.port === port);
  if (!listener) throw new Error(`${manifests.overlay}: KAFKA_BROKERS=${brokers} matches no Kafka listener`);
  return listener;
}

describe.each(['dev', 'prod'] as const)('k8s/overlays/%s', (name) => {
  const manifests = () => overlay(name);

  it('renders with kustomize into objects of the kafka-platform namespace', () => {
    expect(manifests().objects.length).toBeGreaterThan(0);
    expect(manifests().get('Namespace', NAMESPACE)).toBeDefined();
    expect(namespaceProblems(manifests().objects, NAMESPACE)).toEqual([]);
  });

  it('every object validates against the schema of its kind (Kubernetes, Strimzi and KEDA), no unknown field', () => {
    const kinds = manifests().objects.map((object) => object.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'Kafka', 'KafkaNodePool', 'KafkaTopic']),
    );
    if (name === 'prod') {
      expect(kinds).toEqual(expect.arrayContaining(['KafkaUser', 'ScaledObject', 'TriggerAuthentication']));
    }
    expect(schemaProblems(manifests().objects)).toEqual([]);
  });

  it('every Strimzi resource is kafka.strimzi.io/v1, the only API the supported Strimzi releases serve', () => {
    const strimzi = manifests().objects.filter((object) => object.apiVersion.startsWith('kafka.strimzi.io/'));
    expect(strimzi.length).toBeGreaterThan(0);
    expect(strimzi.filter((object) => object.apiVersion !== 'kafka.strimzi.io/v1').map(nameOf)).toEqual([]);
  });

  it('every Strimzi and KEDA resource meets the platform rules beyond its schema', () => {
    const custom = manifests().objects.filter(isCustomResource);
    expect(custom.flatMap((object) => customResourceProblems(object, manifests().objects))).toEqual([]);
  });

  it(`runs the platform's Kafka version, one the supported Strimzi releases run`, () => {
    expect(kafkaSpec(manifests()).kafka.version).toBe(platformKafkaVersion());
  });

  it("caps the registry's database connection pool per replica exactly as docker compose does", () => {
    const registry = manifests().get<Workload>('Deployment', 'apicurio-registry');
    const pool = Object.keys(COMPOSE_REGISTRY_POOL).map((variable) => [
      variable,
      envValue(registry, 'apicurio-registry', manifests(), variable),
    ]);
    expect(Object.fromEntries(pool)).toEqual(COMPOSE_REGISTRY_POOL);
    // All replicas together keep at most half of PostgreSQL's default connections; the services need the rest.
    const replicas = registry.spec.replicas ?? 1;
    expect(replicas * Number(COMPOSE_REGISTRY_POOL.APICURIO_DATASOURCE_JDBC_MAX_SIZE)).toBeLessThanOrEqual(
      POSTGRES_DEFAULT_MAX_CONNECTIONS / 2,
    );
  });

  it('everything referenced exists: ConfigMaps, Secrets, and the pods of Services, budgets and autoscalers', () => {
    const external = name === 'prod' ? { ...PROD_OPERATOR_SECRETS, ...strimziSecrets(manifests()) } : {};
    expect(referenceProblems(manifests(), external)).toEqual([]);
  });

  it('every workload runs restricted: non-root, read-only root filesystem, no privileges, seccomp, resources', () => {
    const workloads = manifests().workloads();
    expect(workloads.map(nameOf)).toEqual(expect.arrayContaining(KAFKA_APP_NAMES.map((app) => `Deployment/${app}`)));
    expect(workloads.flatMap(podSecurityProblems)).toEqual([]);
    expect(workloads.flatMap(resourceProblems)).toEqual([]);
    expect(workloads.flatMap(imageProblems)).toEqual([]);
  });

  it('third-party images are the pins of the root .env; ours are the platform images', () => {
    const pins = new Set(imagePins().values());
    const images = manifests()
      .workloads()
      .flatMap((workload) => workload.spec.template.spec.containers.map((container) => container.image ?? ''));
    expect(images.filter((image) => !image.startsWith(OUR_IMAGES) && !pins.has(image))).toEqual([]);
    expect(images).toContain(imagePins().get('APICURIO_IMAGE'));
    // Keycloak runs in dev only; prod trusts an external issuer.
    expect(images.includes(imagePins().get('KEYCLOAK_IMAGE') ?? '-')).toBe(name === 'dev');
  });

  describe.each(APPS)('$name', ({ name: app, port, management }) => {
    it('probes /health/live and /health/ready on its HTTP port', () => {
      const workload = deployment(manifests(), app);
      expect(serviceProbeProblems(workload, app)).toEqual([]);
      expect(workload.spec.template.spec.containers[0]?.ports).toEqual([
        { name: 'http', containerPort: port },
        { name: 'management', containerPort: management },
      ]);
      expect(envValue(workload, app, manifests(), 'PORT')).toBe(String(port));
      const [container] = workload.spec.template.spec.containers;
      const probes = [container?.startupProbe, container?.livenessProbe, container?.readinessProbe];
      expect(probes.map((probe) => probe?.httpGet?.port)).toEqual(['http', 'http', 'http']);
    });

    it('serves /metrics on its management port: config, container, Service and scrape annotations agree', () => {
      const workload = deployment(manifests(), app);
      expect(envValue(workload, app, manifests(), 'MANAGEMENT_PORT')).toBe(String(management));
      const annotations = workload.spec.template.metadata?.annotations ?? {};
      expect(annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(management),
        'prometheus.io/path': '/metrics',
      });
      const named = workload.spec.template.spec.containers[0]?.ports?.find((p) => p.name === 'management');
      expect(named?.containerPort).toBe(Number(annotations['prometheus.io/port']));
      expect(annotations['prometheus.io/port']).not.toBe(String(port));
      const service = manifests().get('Service', app).spec as {
        ports: { name: string; port: number; targetPort: string }[];
      };
      expect(service.ports.find((servicePort) => servicePort.name === 'management')).toEqual({
        name: 'management',
        port: management,
        targetPort: 'management',
      });
    });

    it('gets only variables its config schemas read', () => {
      const { names } = configEnvNames(app);
      expect(envNameProblems(deployment(manifests(), app), app, manifests(), names)).toEqual([]);
    });

    it('is reachable through a ClusterIP Service on its port and kept available by a PodDisruptionBudget', () => {
      const service = manifests().get('Service', app).spec as {
        type: string;
        ports: { port: number }[];
        selector: Record<string, string>;
      };
      expect(service.type).toBe('ClusterIP');
      expect(service.ports.map((servicePort) => servicePort.port)).toEqual([port, management]);
      const budget = manifests().get('PodDisruptionBudget', app).spec as {
        selector: { matchLabels: Record<string, string> };
      };
      expect(selects(budget.selector.matchLabels, deployment(manifests(), app).spec.template.metadata?.labels)).toBe(
        true,
      );
    });

    it('reaches the database, the schema registry and Kafka over the network policies, and takes HTTP on its port', () => {
      const labels = deployment(manifests(), app).spec.template.metadata?.labels ?? {};
      for (const policy of ['database-clients', 'registry-clients', 'kafka-clients']) {
        const selector = (manifests().get('NetworkPolicy', policy).spec as PolicySpec).podSelector.matchLabels;
        expect({ policy, selected: selects(selector, labels) }).toEqual({ policy, selected: true });
      }
      const ingress = manifests().get('NetworkPolicy', app).spec as PolicySpec;
      expect(ingress.ingress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([
        port,
        management,
      ]);
    });

    it('admits the ingress controller to its API port only, and only the monitoring namespace to its management port', () => {
      expect(admittedPeers(manifests(), app)).toEqual({
        [port]: [namespacePeer(INGRESS_NAMESPACE)],
        [management]: [namespacePeer(MONITORING_NAMESPACE)],
      });
      // No other policy opens anything more to these pods.
      const others = manifests()
        .ofKind('NetworkPolicy')
        .filter((policy) => policy.metadata.name !== app)
        .filter((policy) => (policy.spec as PolicySpec).ingress !== undefined)
        .filter((policy) =>
          selects(
            (policy.spec as PolicySpec).podSelector.matchLabels,
            deployment(manifests(), app).spec.template.metadata?.labels,
          ),
        );
      expect(others.map(nameOf)).toEqual([]);
    });

    it('verifies tokens of the issuer its overlay sets, and reaches the keys over the network policies', () => {
      const workload = deployment(manifests(), app);
      const issuer = envValue(workload, app, manifests(), 'OIDC_ISSUER_URL');
      // Never the services' built-in default (the local stack's issuer) by omission.
      expect(manifests().generated('ConfigMap', 'platform-config').data).toHaveProperty('OIDC_ISSUER_URL', issuer);
      expect(issuer).toMatch(new RegExp(`^https?://[^/]+/realms/${REALM}$`));
      // The audience is the service's own name (a bearer-only client of the realm): no override.
      expect(envValue(workload, app, manifests(), 'OIDC_AUDIENCE')).toBeUndefined();
      const keys = new URL(envValue(workload, app, manifests(), 'OIDC_JWKS_URL') ?? issuer ?? '');
      const policy = manifests().get('NetworkPolicy', 'oidc-clients').spec as PolicySpec;
      expect(selects(policy.podSelector.matchLabels, workload.spec.template.metadata?.labels)).toBe(true);
      const opened = policy.egress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port));
      if (name === 'dev') {
        // The in-cluster Keycloak: its Service on the URL's port, the policy opening the pod port behind it.
        const service = manifests().get('Service', keys.hostname).spec as {
          ports: { port: number; targetPort: string }[];
        };
        const servicePort = service.ports.find((candidate) => candidate.port === Number(keys.port));
        const podPort = deployment(manifests(), 'keycloak').spec.template.spec.containers[0]?.ports?.find(
          (candidate) => candidate.name === servicePort?.targetPort,
        )?.containerPort;
        expect({ servicePort: servicePort?.port, opened }).toEqual({ servicePort: 8080, opened: [podPort] });
      } else {
        expect(keys.protocol).toBe('https:');
        expect(opened).toEqual([Number(keys.port || 443)]);
      }
    });
  });

  describe.each(PROCESSORS)('$name (stream processor)', ({ name: app, management }) => {
    const workload = () => deployment(manifests(), app);
    const labels = () => workload().spec.template.metadata?.labels ?? {};

    it('probes /health/live and /health/ready on its management port, its only port', () => {
      expect(serviceProbeProblems(workload(), app)).toEqual([]);
      const [container] = workload().spec.template.spec.containers;
      expect(container?.ports).toEqual([{ name: 'management', containerPort: management }]);
      const probes = [container?.startupProbe, container?.livenessProbe, container?.readinessProbe];
      expect(probes.map((probe) => probe?.httpGet?.port)).toEqual(['management', 'management', 'management']);
    });

    it('serves /metrics on its management port: config, container and scrape annotations agree', () => {
      expect(resolvedEnv(manifests(), app, 'MANAGEMENT_PORT')).toBe(String(management));
      expect(workload().spec.template.metadata?.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(management),
        'prometheus.io/path': '/metrics',
      });
    });

    it('gets only variables its config schemas read: no database, no tokens, no HTTP settings', () => {
      const { names } = configEnvNames(app);
      expect(['DATABASE_URL', 'OIDC_ISSUER_URL', 'PORT', 'TRUST_PROXY_HOPS'].filter((name) => names.has(name))).toEqual(
        [],
      );
      expect(envNameProblems(workload(), app, manifests(), names)).toEqual([]);
    });

    it('runs as one pod, replaced with Recreate and never autoscaled (its transactional id is one fixed id)', () => {
      expect(singletonProblems(manifests(), app)).toEqual([]);
      expect(manifests().find('Service', app)).toBeUndefined();
    });

    it("reaches Kafka and the registry as the services do, with the services' settings", () => {
      for (const variable of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'SCHEMA_REGISTRY_AUTO_REGISTER', 'NODE_ENV']) {
        const services = envValue(deployment(manifests(), 'email-service'), 'email-service', manifests(), variable);
        expect({ variable, value: resolvedEnv(manifests(), app, variable) }).toEqual({ variable, value: services });
      }
      for (const policy of ['registry-clients', 'kafka-clients']) {
        const selector = (manifests().get('NetworkPolicy', policy).spec as PolicySpec).podSelector.matchLabels;
        expect({ policy, selected: selects(selector, labels()) }).toEqual({ policy, selected: true });
      }
    });

    it('reaches nothing else: no database, no identity provider, no trace collector', () => {
      const egress = manifests()
        .ofKind('NetworkPolicy')
        .filter((policy) => (policy.spec as PolicySpec).egress !== undefined)
        .filter((policy) => Object.keys((policy.spec as PolicySpec).podSelector.matchLabels ?? {}).length > 0)
        .filter((policy) => selects((policy.spec as PolicySpec).podSelector.matchLabels, labels()))
        .map((policy) => policy.metadata.name);
      expect(egress.sort()).toEqual(['kafka-clients', 'registry-clients']);
    });

    it('admits only the monitoring namespace, to its management port', () => {
      expect(admittedPeers(manifests(), app)).toEqual({ [management]: [namespacePeer(MONITORING_NAMESPACE)] });
      const others = manifests()
        .ofKind('NetworkPolicy')
        .filter((policy) => policy.metadata.name !== app)
        .filter((policy) => (policy.spec as PolicySpec).ingress !== undefined)
        .filter((policy) => selects((policy.spec as PolicySpec).podSelector.matchLabels, labels()));
      expect(others.map(nameOf)).toEqual([]);
    });
  });

  it('has a default-deny NetworkPolicy for every pod, and DNS allowed', () => {
    expect(manifests().get('NetworkPolicy', 'default-deny-all').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    const dns = manifests().get('NetworkPolicy', 'allow-dns').spec as PolicySpec;
    expect(dns.podSelector).toEqual({});
    expect(dns.egress?.[0]?.ports).toEqual(expect.arrayContaining([{ protocol: 'UDP', port: 53 }]));
  });

  it('lets the email-service reach its SMTP server on the port it is configured with', () => {
    const smtpPort = Number(
      envValue(deployment(manifests(), 'email-service'), 'email-service', manifests(), 'SMTP_PORT'),
    );
    const policy = manifests().get('NetworkPolicy', 'email-service-smtp').spec as PolicySpec;
    expect(policy.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'email-service' });
    expect(policy.egress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([smtpPort]);
  });

  it('scales the user-service with an HPA on CPU', () => {
    const hpa = manifests().get('HorizontalPodAutoscaler', 'user-service');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    const spec = hpa.spec as { scaleTargetRef: object; minReplicas: number; maxReplicas: number };
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'user-service' });
    expect(spec.minReplicas).toBeLessThanOrEqual(spec.maxReplicas);
    // Autoscaled Deployments leave replicas unset, so an apply never resets what the autoscaler chose.
    expect(deployment(manifests(), 'user-service').spec.replicas).toBeUndefined();
  });

  it(`runs a KRaft cluster of ${CLUSTER[name].brokers} node(s) with matching replication`, () => {
    const { brokers, replicationFactor, minInsync } = CLUSTER[name];
    const pools = manifests().ofKind('KafkaNodePool');
    const brokerCount = pools
      .map((pool) => pool.spec as { replicas: number; roles: string[] })
      .filter((pool) => pool.roles.includes('broker'))
      .reduce((sum, pool) => sum + pool.replicas, 0);
    expect(brokerCount).toBe(brokers);
    expect(kafkaSpec(manifests()).kafka.config).toMatchObject({
      'auto.create.topics.enable': false,
      'default.replication.factor': replicationFactor,
      'min.insync.replicas': minInsync,
      'offsets.topic.replication.factor': replicationFactor,
      'transaction.state.log.replication.factor': replicationFactor,
      'transaction.state.log.min.isr': minInsync,
    });
  });

  it('creates exactly the catalog topics, with its partitions, configs and this cluster replication', () => {
    const { replicationFactor, minInsync } = CLUSTER[name];
    const expected = topicSpecs({ replicationFactor, minInsyncReplicas: minInsync }).map((spec) => ({
      name: spec.topic,
      topicName: spec.topic,
      partitions: spec.partitions,
      replicas: spec.replicationFactor,
      config: spec.configs,
    }));
    const actual = manifests()
      .ofKind('KafkaTopic')
      .map((topic) => {
        const spec = topic.spec as { topicName: string; partitions: number; replicas: number; config: object };
        const config = Object.fromEntries(Object.entries(spec.config).map(([key, value]) => [key, String(value)]));
        return { name: topic.metadata.name, ...spec, config };
      });
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(actual.sort(byName)).toEqual(expected.sort(byName));
  });

  it("reaches the registry's Confluent API through its Service, on the pod port the network policies open", () => {
    const service = manifests().get('Service', 'apicurio-registry').spec as {
      ports: { port: number; targetPort: string }[];
    };
    const registry = manifests().get<Workload>('Deployment', 'apicurio-registry').spec.template.spec.containers[0];
    const podPort = registry?.ports?.find((port) => port.name === service.ports[0]?.targetPort)?.containerPort;
    const url = envValue(
      deployment(manifests(), 'dashboard-service'),
      'dashboard-service',
      manifests(),
      'SCHEMA_REGISTRY_URL',
    );
    // Plain HTTP inside a dev cluster; HTTPS only in prod (patches/registry-tls-auth.yaml).
    const scheme = name === 'prod' ? 'https' : 'http';
    expect(url).toBe(`${scheme}://apicurio-registry:${service.ports[0]?.port}/apis/ccompat/v7`);
    for (const policy of ['registry-clients', 'apicurio-registry']) {
      const spec = manifests().get('NetworkPolicy', policy).spec as PolicySpec;
      const ports = [...(spec.egress ?? []), ...(spec.ingress ?? [])].flatMap((rule) => rule.ports?.map((p) => p.port));
      expect({ policy, ports }).toEqual({ policy, ports: [podPort] });
    }
  });

  it('gives the registry its global BACKWARD_TRANSITIVE rule with the same script as docker compose', () => {
    const job = manifests().get<Workload>('Job', 'apicurio-registry-init');
    const [container] = job.spec.template.spec.containers;
    const script = job.spec.template.spec.volumes?.find((volume) => volume.configMap);
    const data = manifests().get('ConfigMap', script?.configMap?.name ?? '').data as Record<string, string>;
    expect(container?.command).toEqual(['node', '/init/registry-init.mjs']);
    expect(data['registry-init.mjs']).toBe(readFileSync(join(repoRoot, 'deploy/compose/registry-init.mjs'), 'utf8'));
    expect(data['registry-init.mjs']).toContain("const RULE = 'BACKWARD_TRANSITIVE';");
    const registry = manifests().get('Service', 'apicurio-registry').spec as { ports: { port: number }[] };
    if (name === 'dev') {
      expect(container?.env).toEqual([
        { name: 'REGISTRY_URL', value: `http://apicurio-registry:${registry.ports[0]?.port}` },
      ]);
    } else {
      // The registry requires a login there, and global rules the sr-admin role: only this Job has that client.
      const admin = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'apicurio-registry-admin', key } } });
      expect(container?.env).toEqual([
        { name: 'REGISTRY_URL', value: `https://apicurio-registry:${registry.ports[0]?.port}` },
        { name: 'REGISTRY_USERNAME', ...admin('client-id') },
        { name: 'REGISTRY_PASSWORD', ...admin('client-secret') },
        { name: 'NODE_EXTRA_CA_CERTS', value: REGISTRY_CA },
      ]);
      expect(mountedFile(job, container?.name ?? '', REGISTRY_CA)).toEqual({
        secret: 'apicurio-registry-tls',
        key: 'ca.crt',
      });
    }
  });

  it('connects the services to Kafka on a listener the network policies open', () => {
    const listener = clientListener(manifests());
    const policy = manifests().get('NetworkPolicy', 'kafka-clients').spec as PolicySpec;
    expect(policy.egress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([listener.port]);
    const brokers = envValue(deployment(manifests(), 'email-service'), 'email-service', manifests(), 'KAFKA_BROKERS');
    expect(brokers).toBe(`${KAFKA}-kafka-bootstrap:${listener.port}`);
  });
});

interface PolicyPeer {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}

interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  ingress?: { from?: PolicyPeer[]; ports?: { protocol?: string; port: number }[] }[];
  egress?: { ports?: { protocol?: string; port: number }[] }[];
}

const namespacePeer = (namespace: string): PolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
});

/**
 * Who an app's own ingress policy admits, per port. A rule without ports admits every port (shown as port 0), one
 * without peers everyone ('anyone'): either would break the expected map.
 */
function admittedPeers(manifests: Manifests, app: string): Record<number, PolicyPeer[] | 'anyone'> {
  const admitted: Record<number, PolicyPeer[] | 'anyone'> = {};
  for (const rule of (manifests.get('NetworkPolicy', app).spec as PolicySpec).ingress ?? []) {
    for (const { port } of rule.ports ?? [{ port: 0 }]) {
      const known = admitted[port];
      admitted[port] = rule.from === undefined || known === 'anyone' ? 'anyone' : [...(known ?? []), ...rule.from];
    }
  }
  return admitted;
}

/** The Secret (or ConfigMap) and key behind a file a container reads, through its volume mounts. */
function mountedFile(workload: Workload, containerName: string, file: string): { secret?: string; key?: string } {
  const pod = workload.spec.template.spec;
  const container = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === containerName);
  const mount = container?.volumeMounts?.find((candidate) => file.startsWith(`${candidate.mountPath}/`));
  const volume = pod.volumes?.find((candidate) => candidate.name === mount?.name);
  const path = file.slice((mount?.mountPath.length ?? 0) + 1);
  const item = (volume?.secret?.items as { key: string; path: string }[] | undefined)?.find((i) => i.path === path);
  return { secret: volume?.secret?.secretName, key: item?.key };
}

describe('k8s/overlays/dev', () => {
  const dev = () => overlay('dev');

  it('carries only dev-only credentials (every password is "changeme-dev")', () => {
    const values = dev()
      .ofKind('Secret')
      .flatMap((secret) =>
        Object.entries((secret.data ?? {}) as Record<string, string>).map(([key, value]) => ({
          secret: secret.metadata.name,
          key,
          value: Buffer.from(value, 'base64').toString('utf8'),
        })),
      );
    expect(values.length).toBeGreaterThan(0);
    // ... or the public development key-encryption key of libs/kafka, which only ever seals development data.
    const developmentKey = ({ key, value }: { key: string; value: string }) =>
      key === 'key-encryption-key' && value === 'a2Fma2EtcGxhdGZvcm0gZGV2ZWxvcG1lbnQga2V5ISE=';
    expect(
      values.filter((v) => v.key !== 'username' && !v.value.includes('changeme-dev') && !developmentKey(v)),
    ).toEqual([]);
  });

  it('creates in PostgreSQL every database the services and the registry connect to', () => {
    const script = readFileSync(join(repoRoot, 'k8s/overlays/dev/postgres/init-databases.sh'), 'utf8');
    const created = /for name in ([a-z_ ]+); do/.exec(script)?.[1]?.split(' ') ?? [];
    const secretUrl = (secret: string) =>
      Buffer.from((dev().generated('Secret', secret).data as { url: string }).url, 'base64').toString('utf8');
    const registry = dev().generated('ConfigMap', 'apicurio-registry-config').data as Record<string, string>;
    const keycloak = envValue(deployment(dev(), 'keycloak'), 'keycloak', dev(), 'KC_DB_URL');
    const databases = [
      ...APPS.map((app) => new URL(secretUrl(`${app.name}-database`)).pathname.slice(1)),
      /\/([a-z_]+)$/.exec(registry.APICURIO_DATASOURCE_URL ?? '')?.[1],
      /^jdbc:postgresql:\/\/postgres:5432\/([a-z_]+)$/.exec(keycloak ?? '')?.[1],
    ];
    expect(databases).toHaveLength(APPS.length + 2);
    expect(databases.filter((database) => !created.includes(database as string))).toEqual([]);
  });

  it('lets the services register their own schemas (no CI registers them for a dev cluster)', () => {
    expect(dev().generated('ConfigMap', 'platform-config').data).toMatchObject({
      SCHEMA_REGISTRY_AUTO_REGISTER: 'true',
    });
    // So nothing waits for a registration: no schemas Job, no init container gate.
    expect(schemaGateProblems(dev(), KAFKA_APP_NAMES, false)).toEqual([]);
  });
});

describe('k8s/overlays/dev: Keycloak', () => {
  const dev = () => overlay('dev');
  const keycloak = () => deployment(dev(), 'keycloak');
  const env = (variable: string) => envValue(keycloak(), 'keycloak', dev(), variable);

  it('runs the pinned image in production mode, importing the realm ConfigMap generated from the repo file', () => {
    const [container] = keycloak().spec.template.spec.containers;
    expect(container?.image).toBe(imagePins().get('KEYCLOAK_IMAGE'));
    expect((container as { args?: string[] }).args).toEqual(['start', '--import-realm']);
    const realmMount = container?.volumeMounts?.find((mount) => mount.mountPath === '/opt/keycloak/data/import');
    const volume = keycloak().spec.template.spec.volumes?.find((candidate) => candidate.name === realmMount?.name);
    const data = dev().get('ConfigMap', volume?.configMap?.name ?? '').data as Record<string, string>;
    expect(Object.keys(data)).toEqual([`${REALM}-realm.json`]);
    expect(data[`${REALM}-realm.json`]).toBe(readFileSync(join(repoRoot, REALM_FILE), 'utf8'));
    // One pod at a time: two starting on a fresh database would both import the realm.
    expect(keycloak().spec.replicas).toBe(1);
    expect((keycloak().spec as { strategy?: { type: string } }).strategy).toEqual({ type: 'Recreate' });
  });

  it('keeps its data in the dev PostgreSQL, with health and metrics on the management port it probes', () => {
    expect({ KC_DB: env('KC_DB'), KC_HEALTH_ENABLED: env('KC_HEALTH_ENABLED') }).toEqual({
      KC_DB: 'postgres',
      KC_HEALTH_ENABLED: 'true',
    });
    const password = keycloak().spec.template.spec.containers[0]?.env?.find((e) => e.name === 'KC_DB_PASSWORD');
    expect(password?.valueFrom?.secretKeyRef?.key).toBe('password');
    const labels = keycloak().spec.template.metadata?.labels ?? {};
    const clients = (dev().get('NetworkPolicy', 'database-clients').spec as PolicySpec).podSelector.matchLabels;
    expect(selects(clients, labels)).toBe(true);
    const [container] = keycloak().spec.template.spec.containers;
    const management = container?.ports?.find((port) => port.name === 'management')?.containerPort;
    expect(management).toBe(9000);
    expect([container?.livenessProbe?.httpGet, container?.readinessProbe?.httpGet]).toEqual([
      { path: '/health/live', port: 'management' },
      { path: '/health/ready', port: 'management' },
    ]);
  });

  it('issues tokens for the issuer the services expect, and lets only the services in', () => {
    const config = dev().generated('ConfigMap', 'platform-config').data as Record<string, string>;
    expect(config['OIDC_ISSUER_URL']).toBe(LOCAL_ISSUER);
    expect(`${env('KC_HOSTNAME')}/realms/${REALM}`).toBe(LOCAL_ISSUER);
    const { ingress } = dev().get('NetworkPolicy', 'keycloak').spec as {
      ingress: { ports?: { port: number }[]; from: { podSelector: { matchLabels: Record<string, string> } }[] }[];
    };
    expect(ingress.flatMap((rule) => rule.ports?.map((port) => port.port))).toEqual([8080]);
    const admitted = ingress.flatMap((rule) => rule.from.map((peer) => peer.podSelector.matchLabels));
    for (const app of APP_NAMES) {
      const labels = deployment(dev(), app).spec.template.metadata?.labels;
      expect({ app, admitted: admitted.some((selector) => selects(selector, labels)) }).toEqual({
        app,
        admitted: true,
      });
    }
    expect(
      admitted.some((selector) =>
        selects(selector, dev().get<Workload>('Deployment', 'mailpit').spec.template.metadata?.labels),
      ),
    ).toBe(false);
  });
});

describe('k8s/overlays/prod', () => {
  const prod = () => overlay('prod');

  it('commits no secret values: Secrets are only referenced, and each one is documented for the operator', () => {
    const withData = prod()
      .ofKind('Secret')
      .filter((secret) => Object.keys({ ...(secret.data as object), ...(secret.stringData as object) }).length > 0);
    expect(withData.map(nameOf)).toEqual([]);
    const documentation = readFileSync(join(repoRoot, 'k8s/overlays/prod/kustomization.yaml'), 'utf8');
    // The per-service ones once, by the pattern every service follows; the platform's by name.
    const documented = [
      ...Object.keys(PER_SERVICE_SECRETS).map((kind) => `<service>-${kind}`),
      ...Object.keys(PROD_SHARED_SECRETS),
    ];
    expect(documented.filter((secret) => !documentation.includes(secret))).toEqual([]);
  });

  it('runs no Keycloak: the services trust the external issuer the operator sets, documented in the overlay', () => {
    expect(prod().find('Deployment', 'keycloak')).toBeUndefined();
    expect(
      prod()
        .ofKind('ConfigMap')
        .filter((map) => map.metadata.name.startsWith('keycloak')),
    ).toEqual([]);
    const config = prod().generated('ConfigMap', 'platform-config').data as Record<string, string>;
    const issuer = new URL(config['OIDC_ISSUER_URL'] ?? '');
    expect(issuer.protocol).toBe('https:');
    expect(['localhost', '127.0.0.1']).not.toContain(issuer.hostname);
    const documentation = readFileSync(join(repoRoot, 'k8s/overlays/prod/kustomization.yaml'), 'utf8');
    expect(documentation).toMatch(/OpenID Connect provider's issuer \(OIDC_ISSUER_URL below/);
    expect(documentation).toMatch(/SET THIS: the issuer of your OpenID Connect provider/);
  });

  it('sends mail to the SMTP relay over TLS only: STARTTLS required (or implicit TLS), credentials from a Secret', () => {
    const email = deployment(prod(), 'email-service');
    const env = (variable: string) => envValue(email, 'email-service', prod(), variable);
    expect(env('SMTP_SECURE') === 'true' || env('SMTP_REQUIRE_TLS') === 'true').toBe(true);
    const password = email.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'SMTP_PASSWORD');
    expect(password?.valueFrom?.secretKeyRef).toEqual({ name: 'email-service-smtp', key: 'password' });
  });

  it('believes one proxy hop (its ingress controller) for the client address the rate limits count', () => {
    expect(prod().generated('ConfigMap', 'platform-config').data).toMatchObject({ TRUST_PROXY_HOPS: '1' });
    expect(overlay('dev').generated('ConfigMap', 'platform-config').data).not.toHaveProperty('TRUST_PROXY_HOPS');
  });

  it.each(APPS)(
    "$name: DATABASE_URL requires TLS with the server's certificate and name verified (sslmode=verify-full)",
    ({ name: app }) => {
      const workload = deployment(prod(), app);
      const env = workload.spec.template.spec.containers[0]?.env ?? [];
      const url = envValue(workload, app, prod(), 'DATABASE_URL') ?? '';
      // The operator's URL from its Secret, with the TLS parameters appended here, where no Secret can drop them.
      const [, input, query] = /^\$\(([A-Z_]+)\)\?(.*)$/.exec(url) ?? [];
      const params = new URLSearchParams(query);
      expect({ sslmode: params.get('sslmode'), sslrootcert: params.get('sslrootcert') }).toEqual({
        sslmode: 'verify-full',
        sslrootcert: POSTGRES_CA,
      });
      const source = env.findIndex((variable) => variable.name === input);
      expect(source).toBeGreaterThanOrEqual(0);
      // Kubernetes expands $(NAME) only from a variable earlier in the list.
      expect(source).toBeLessThan(env.findIndex((variable) => variable.name === 'DATABASE_URL'));
      expect(env[source]?.valueFrom?.secretKeyRef).toEqual({ name: `${app}-database`, key: 'url' });
      expect(mountedFile(workload, app, POSTGRES_CA)).toEqual({ secret: 'postgres-ca', key: 'ca.crt' });
    },
  );

  it("every prod database URL has sslmode=verify-full: the services' and the registry's", () => {
    const registry = prod().get<Workload>('Deployment', 'apicurio-registry');
    const urls = {
      ...Object.fromEntries(
        APPS.map(({ name: app }) => [app, envValue(deployment(prod(), app), app, prod(), 'DATABASE_URL')]),
      ),
      'apicurio-registry': envValue(registry, 'apicurio-registry', prod(), 'APICURIO_DATASOURCE_URL'),
    };
    const modes = Object.fromEntries(
      Object.entries(urls).map(([owner, url]) => [owner, new URLSearchParams(url?.split('?')[1]).get('sslmode')]),
    );
    expect(modes).toEqual(Object.fromEntries(Object.keys(urls).map((owner) => [owner, 'verify-full'])));
    expect(urls['apicurio-registry']).toMatch(new RegExp(`[?&]sslrootcert=${POSTGRES_CA}(&|$)`));
    expect(mountedFile(registry, 'apicurio-registry', POSTGRES_CA)).toEqual({ secret: 'postgres-ca', key: 'ca.crt' });
    // A test of the test: a URL without the parameters would fail it.
    expect(new URLSearchParams('postgresql://u:p@db/x'.split('?')[1]).get('sslmode')).toBeNull();
  });

  it('runs the registry on HTTPS only, authenticating every caller with the provider the services trust', () => {
    const registry = prod().get<Workload>('Deployment', 'apicurio-registry');
    const env = (variable: string) => envValue(registry, 'apicurio-registry', prod(), variable);
    const [container] = registry.spec.template.spec.containers;
    expect({
      QUARKUS_HTTP_INSECURE_REQUESTS: env('QUARKUS_HTTP_INSECURE_REQUESTS'),
      QUARKUS_TLS_KEY_STORE_P12_PATH: env('QUARKUS_TLS_KEY_STORE_P12_PATH'),
      QUARKUS_OIDC_TENANT_ENABLED: env('QUARKUS_OIDC_TENANT_ENABLED'),
      APICURIO_AUTHN_BASIC_CLIENT_CREDENTIALS_ENABLED: env('APICURIO_AUTHN_BASIC_CLIENT_CREDENTIALS_ENABLED'),
      APICURIO_AUTH_ROLE_BASED_AUTHORIZATION: env('APICURIO_AUTH_ROLE_BASED_AUTHORIZATION'),
      APICURIO_AUTH_ROLE_SOURCE: env('APICURIO_AUTH_ROLE_SOURCE'),
    }).toEqual({
      QUARKUS_HTTP_INSECURE_REQUESTS: 'disabled',
      QUARKUS_TLS_KEY_STORE_P12_PATH: '/etc/registry-tls/keystore.p12',
      QUARKUS_OIDC_TENANT_ENABLED: 'true',
      APICURIO_AUTHN_BASIC_CLIENT_CREDENTIALS_ENABLED: 'true',
      APICURIO_AUTH_ROLE_BASED_AUTHORIZATION: 'true',
      APICURIO_AUTH_ROLE_SOURCE: 'token',
    });
    const byName = (variable: string) => container?.env?.find((candidate) => candidate.name === variable);
    // The issuer is the services' own, from the one place the operator sets it.
    expect(byName('QUARKUS_OIDC_AUTH_SERVER_URL')?.valueFrom?.configMapKeyRef).toEqual({
      name: prod().generated('ConfigMap', 'platform-config').metadata.name,
      key: 'OIDC_ISSUER_URL',
    });
    expect(env('QUARKUS_OIDC_AUTH_SERVER_URL')).toBeUndefined(); // not a literal of its own, which could drift
    // A client secret would turn the basic logins into password grants for users.
    expect(byName('QUARKUS_OIDC_CLIENT_SECRET')).toBeUndefined();
    // Nor the registry's own embedded users, whose basic logins would come before the provider's.
    expect(byName('QUARKUS_HTTP_AUTH_BASIC')).toBeUndefined();
    expect(byName('QUARKUS_TLS_KEY_STORE_P12_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: 'apicurio-registry-keystore',
      key: 'password',
    });
    expect(mountedFile(registry, 'apicurio-registry', '/etc/registry-tls/keystore.p12')).toEqual({
      secret: 'apicurio-registry-tls',
      key: 'keystore.p12',
    });
    // The API port is the HTTPS one; TLS covers the management interface too, so the probes ask over HTTPS.
    expect(container?.ports).toEqual([
      { name: 'https', containerPort: 8443 },
      { name: 'management', containerPort: 9000 },
    ]);
    const probes = [container?.startupProbe, container?.livenessProbe, container?.readinessProbe];
    expect(probes.map((probe) => probe?.httpGet?.scheme)).toEqual(['HTTPS', 'HTTPS', 'HTTPS']);
    // It reaches the provider (token checks, and the token endpoint for the basic logins) over HTTPS only.
    const oidc = prod().get('NetworkPolicy', 'apicurio-registry-oidc').spec as PolicySpec;
    expect(selects(oidc.podSelector.matchLabels, registry.spec.template.metadata?.labels)).toBe(true);
    expect(oidc.egress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([443]);
    // Documented for the operator: the clients the realm needs and the roles each one holds.
    const documentation = readFileSync(join(repoRoot, 'k8s/overlays/prod/kustomization.yaml'), 'utf8');
    for (const role of ['sr-readonly', 'sr-developer', 'sr-admin']) expect(documentation).toContain(role);
  });

  it('gives every registry client its own login from a Secret, over https, trusting the registry CA', () => {
    const clients: { workload: Workload; container: string; secret: string }[] = [
      ...KAFKA_APP_NAMES.flatMap((app) => [
        { workload: deployment(prod(), app), container: app, secret: `${app}-registry` },
        { workload: deployment(prod(), app), container: SCHEMAS_INIT_CONTAINER, secret: `${app}-registry` },
      ]),
      {
        workload: prod().get<Workload>('Job', SCHEMAS_JOB),
        container: SCHEMAS_JOB,
        secret: 'schemas-register-registry',
      },
    ];
    for (const { workload, container: name, secret } of clients) {
      const pod = workload.spec.template.spec;
      const container = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === name);
      const at = `${nameOf(workload)} ${name}`;
      const variable = (variable: string) => container?.env?.find((candidate) => candidate.name === variable);
      expect({
        at,
        username: variable('SCHEMA_REGISTRY_USERNAME'),
        password: variable('SCHEMA_REGISTRY_PASSWORD'),
      }).toEqual({
        at,
        // Never a literal value: both from the Secret the operator creates.
        username: { name: 'SCHEMA_REGISTRY_USERNAME', valueFrom: { secretKeyRef: { name: secret, key: 'client-id' } } },
        password: {
          name: 'SCHEMA_REGISTRY_PASSWORD',
          valueFrom: { secretKeyRef: { name: secret, key: 'client-secret' } },
        },
      });
      expect({ at, ca: variable('NODE_EXTRA_CA_CERTS')?.value }).toEqual({ at, ca: REGISTRY_CA });
      expect({ at, file: mountedFile(workload, name, REGISTRY_CA) }).toEqual({
        at,
        file: { secret: 'apicurio-registry-tls', key: 'ca.crt' },
      });
    }
    const config = prod().generated('ConfigMap', 'platform-config').data as Record<string, string>;
    expect(new URL(config['SCHEMA_REGISTRY_URL'] ?? '').protocol).toBe('https:');
  });

  it('runs in production mode: schemas only looked up (registered by the schemas-register Job), topics only from Strimzi', () => {
    expect(prod().generated('ConfigMap', 'platform-config').data).toMatchObject({
      NODE_ENV: 'production',
      SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
    });
  });

  it('registers the schemas with a Job before the services start, each service waiting in an init container', () => {
    expect(schemaGateProblems(prod(), KAFKA_APP_NAMES, true)).toEqual([]);
    // Restricted like every pod (the workload checks above cover Jobs and init containers; named here to be sure).
    const job = prod().get<Workload>('Job', SCHEMAS_JOB);
    const gated = KAFKA_APP_NAMES.map((app) => deployment(prod(), app));
    for (const workload of [job, ...gated]) {
      expect([...podSecurityProblems(workload), ...resourceProblems(workload), ...imageProblems(workload)]).toEqual([]);
    }
    expect(gated.map((workload) => workload.spec.template.spec.initContainers?.map((c) => c.name))).toEqual(
      KAFKA_APP_NAMES.map(() => [SCHEMAS_INIT_CONTAINER]),
    );
    // The command the manifests run is the one libs/kafka builds, `npm run schemas` runs and the images ship.
    expect(cliProblems(SCHEMAS_CLI)).toEqual([]);
    const scripts = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['schemas']).toContain(`node ${SCHEMAS_CLI}`);
    // The variables it reads, from its env schema: the services' registry settings and namespace.
    expect([...schemasCommandEnvNames()].filter((name) => !RUNTIME_ENV_NAMES.includes(name)).sort()).toEqual([
      'KAFKA_NAMESPACE',
      'SCHEMA_REGISTRY_PASSWORD',
      'SCHEMA_REGISTRY_URL',
      'SCHEMA_REGISTRY_USERNAME',
    ]);
  });

  it('accepts clients only over TLS with SCRAM-SHA-512, and authorizes them by ACL', () => {
    const { listeners, authorization } = kafkaSpec(prod()).kafka;
    expect(listeners.filter((listener) => !listener.tls || listener.authentication?.type !== 'scram-sha-512')).toEqual(
      [],
    );
    expect(authorization).toEqual({ type: 'simple' });
    const storage = (prod().get('KafkaNodePool', 'dual-role').spec as { storage: { volumes: { type: string }[] } })
      .storage;
    expect(storage.volumes.map((volume) => volume.type)).toEqual(['persistent-claim']);
  });

  it('has one SCRAM-SHA-512 KafkaUser per app, allowed exactly what the catalog says it does', () => {
    const users = prod().ofKind('KafkaUser');
    expect(users.map((user) => user.metadata.name).sort()).toEqual([...KAFKA_APP_NAMES, 'mirror-maker'].sort());
    for (const app of KAFKA_APP_NAMES.map((name) => ({ name }))) {
      const spec = prod().get('KafkaUser', app.name).spec as { authentication: { type: string } };
      expect({ user: app.name, authentication: spec.authentication }).toEqual({
        user: app.name,
        authentication: { type: 'scram-sha-512' },
      });
      expect({ user: app.name, acls: aclsOf(prod().get('KafkaUser', app.name)) }).toEqual({
        user: app.name,
        acls: expectedAcls(app.name),
      });
    }
  });

  it.each(KAFKA_APP_NAMES)('%s logs in as its own KafkaUser and trusts only the cluster CA', (app) => {
    const workload = deployment(prod(), app);
    const env = (variable: string) => resolvedEnv(prod(), app, variable);
    expect(env('KAFKA_SASL_MECHANISM')).toBe('scram-sha-512');
    expect(env('KAFKA_SASL_USERNAME')).toBe(app);
    const password = workload.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'KAFKA_SASL_PASSWORD');
    expect(password?.valueFrom?.secretKeyRef).toEqual({ name: app, key: 'password' });
    const caFile = env('KAFKA_TLS_CA_FILE') ?? '';
    const mount = workload.spec.template.spec.containers[0]?.volumeMounts?.find((m) =>
      caFile.startsWith(`${m.mountPath}/`),
    );
    const volume = workload.spec.template.spec.volumes?.find((candidate) => candidate.name === mount?.name);
    expect(volume?.secret).toEqual({
      secretName: `${KAFKA}-cluster-ca-cert`,
      items: [{ key: 'ca.crt', path: caFile.slice((mount?.mountPath.length ?? 0) + 1) }],
    });
  });

  it('mirrors the catalog topic and the consumer groups to the DR cluster as a read-only KafkaUser', () => {
    const mirror = prod().get('KafkaMirrorMaker2', 'kafka-platform-dr').spec as {
      mirrors: { topicsPattern: string; groupsPattern: string }[];
    };
    const [flow] = mirror.mirrors;
    // The groups that read user-events: what a failover moves (a group of another topic, e.g. a generated service's,
    // is not mirrored with it).
    const groups = CONSUMER_GROUPS.filter((group) => consumedTopics(group).has(USER_EVENTS_TOPIC));
    expect(groups.length).toBeGreaterThan(0);
    const keys = eventCatalog.user_key.topic;
    for (const topic of [
      USER_EVENTS_TOPIC,
      keys,
      ...groups.map((group) => deadLetterTopic(USER_EVENTS_TOPIC, group)),
    ]) {
      expect([topic, new RegExp(`^(${flow?.topicsPattern})$`).test(topic)]).toEqual([topic, true]);
    }
    for (const group of groups) {
      expect([group, new RegExp(`^(${flow?.groupsPattern})$`).test(group)]).toEqual([group, true]);
    }
    const writes = aclsOf(prod().get('KafkaUser', 'mirror-maker')).filter((acl) => !/^(Read|Describe)/.test(acl));
    expect(writes).toEqual([]);
  });

  it('scales each consumer with KEDA on its group lag, never beyond the partitions of the topic', () => {
    const scaled = prod().ofKind('ScaledObject');
    expect(scaled.map((object) => object.metadata.name).sort()).toEqual([...CONSUMER_GROUPS].sort());
    const listener = clientListener(prod());
    for (const group of CONSUMER_GROUPS) {
      const topics = consumedTopics(group);
      expect(scaledObjectProblems(prod().get('ScaledObject', group), group, topics, listener.port)).toEqual([]);
      expect(prod().find('HorizontalPodAutoscaler', group)).toBeUndefined();
    }
  });

  it.each(CONSUMER_GROUPS)(
    'KEDA reads the lag of %s as that KafkaUser, over TLS checked against the cluster CA',
    (group) => {
      const scaled = prod().get('ScaledObject', group).spec as { triggers: { authenticationRef: { name: string } }[] };
      const auth = prod().get('TriggerAuthentication', scaled.triggers[0]?.authenticationRef.name ?? '').spec;
      expect(auth).toEqual({
        secretTargetRef: expect.arrayContaining([
          { parameter: 'password', name: group, key: 'password' },
          { parameter: 'ca', name: `${KAFKA}-cluster-ca-cert`, key: 'ca.crt' },
        ]),
        env: [{ parameter: 'username', name: 'KAFKA_SASL_USERNAME', containerName: group }],
      });
      expect(prod().get('KafkaUser', group)).toBeDefined();
    },
  );
});

/**
 * A KafkaUser's ACLs as "operation type:name" strings (a prefix pattern's name ends in "…"), sorted: easy to compare
 * and to read in a failure.
 */
function aclsOf(user: K8sObject): string[] {
  const { acls } = (user.spec as { authorization: { acls: Acl[] } }).authorization;
  return acls
    .flatMap((acl) => {
      const pattern = acl.resource.patternType ?? 'literal';
      if (pattern !== 'literal' && pattern !== 'prefix') throw new Error(`${nameOf(user)}: ${pattern} ACL`);
      const name = `${acl.resource.name ?? ''}${pattern === 'prefix' ? '…' : ''}`;
      return acl.operations.map((operation) => `${operation} ${acl.resource.type}:${name}`);
    })
    .sort();
}

interface Acl {
  resource: { type: string; name?: string; patternType?: string };
  operations: string[];
}

/**
 * What a service needs, from the catalog: a producer writes its events' topics; a consumer reads the topic, commits
 * as its group and writes its dead-letter topic (its group even before it consumes any event: a service whose module
 * runs a consumer group joins it at start); every producer is idempotent. The dashboard also reads (never
 * changes) every group's offsets for its consumer-groups page, and a replay rebuilds its projections under groups of
 * its own (`dashboard-service.rebuild.<generation>`, see apps/dashboard-service), deleted once it is over. Nothing
 * may create, alter or delete a topic.
 */
function expectedAcls(service: string): string[] {
  const entries = Object.values(eventCatalog);
  const acls = new Set<string>(['IdempotentWrite cluster:']);
  for (const entry of entries.filter((candidate) => candidate.producer === service)) {
    acls.add(`Write topic:${entry.topic}`).add(`Describe topic:${entry.topic}`);
  }
  // A consumer joins its group from its first start, before the catalog names the group in any event.
  if (APPS.find((app) => app.name === service)?.consumer) {
    acls.add(`Read group:${service}`).add(`Describe group:${service}`);
  }
  for (const entry of entries.filter((candidate) =>
    (candidate.consumerGroups as readonly string[]).includes(service),
  )) {
    const dlq = deadLetterTopic(entry.topic, service);
    acls.add(`Read topic:${entry.topic}`).add(`Describe topic:${entry.topic}`);
    acls.add(`Read group:${service}`).add(`Describe group:${service}`);
    acls.add(`Write topic:${dlq}`).add(`Describe topic:${dlq}`);
  }
  // Consumers of user events open their sealed personal fields with the keys on user-keys (crypto-shredding),
  // read under a group per instance.
  if (consumedTopics(service).has(USER_EVENTS_TOPIC)) {
    const keys = eventCatalog.user_key.topic;
    acls.add(`Read topic:${keys}`).add(`Describe topic:${keys}`).add(`Read group:${service}.user-keys.…`);
  }
  if (service === 'dashboard-service') {
    acls
      .add('Describe group:*')
      .add('Read group:dashboard-service.rebuild.…')
      .add('Delete group:dashboard-service.rebuild.…');
  }
  if (service === 'signup-analytics') for (const acl of signupAnalyticsAcls()) acls.add(acl);
  return [...acls].sort();
}

/**
 * What signup-analytics does beyond producing its catalog events (apps/signup-analytics/src/processor.ts, restore.ts):
 * it reads user-events as its own group outside the catalog's consumer groups (no dead-letter topic: a record it
 * cannot read stops it), commits that group's offsets inside its transactions, writes and restores its changelog
 * (the restore under throw-away groups `signup-analytics.restore-<pid>-<time>`, deleted afterwards), and runs
 * transactions under the id `<group>-<SIGNUP_ANALYTICS_INSTANCE>`, the instance as the Deployment sets it.
 */
function signupAnalyticsAcls(): string[] {
  const name = 'signup-analytics';
  const prod = overlay('prod');
  // The id a namespace would prefix: prod runs none, so the group is the app's name.
  expect(resolvedEnv(prod, name, 'KAFKA_NAMESPACE')).toBeUndefined();
  const instance = resolvedEnv(prod, name, 'SIGNUP_ANALYTICS_INSTANCE');
  // Set explicitly, never by the config's default or per pod: the one id the ACL names.
  expect(instance).toMatch(/^[A-Za-z0-9._-]{1,40}$/);
  return [
    `Read topic:${USER_EVENTS_TOPIC}`,
    `Describe topic:${USER_EVENTS_TOPIC}`,
    `Read group:${name}`,
    `Describe group:${name}`,
    `Read topic:${SIGNUP_ANALYTICS_CHANGELOG_TOPIC}`,
    `Write topic:${SIGNUP_ANALYTICS_CHANGELOG_TOPIC}`,
    `Describe topic:${SIGNUP_ANALYTICS_CHANGELOG_TOPIC}`,
    `Read group:${name}.restore-…`,
    `Delete group:${name}.restore-…`,
    `Write transactionalId:${name}-${instance}`,
    `Describe transactionalId:${name}-${instance}`,
    // Its domain filter opens new_user's sealed email with the keys on user-keys (crypto-shredding).
    `Read topic:${eventCatalog.user_key.topic}`,
    `Describe topic:${eventCatalog.user_key.topic}`,
    `Read group:${name}.user-keys.…`,
  ];
}

/**
 * A container's value of a variable as the pod sees it: a literal, or the key of a ConfigMap it names
 * (`configMapKeyRef`, which the processors use for the shared settings), else what envValue finds through envFrom.
 */
function resolvedEnv(manifests: Manifests, app: string, name: string): string | undefined {
  const workload = deployment(manifests, app);
  const container = workload.spec.template.spec.containers.find((candidate) => candidate.name === app);
  const ref = container?.env?.find((env) => env.name === name)?.valueFrom?.configMapKeyRef;
  if (ref) return (manifests.get('ConfigMap', ref.name).data as Record<string, string> | undefined)?.[ref.key];
  return envValue(workload, app, manifests, name);
}

/**
 * A singleton: one replica replaced with Recreate (the old pod gone before the new one starts), nothing that scales
 * it (HPA, KEDA), and no Service it would need.
 */
function singletonProblems(manifests: Manifests, name: string): string[] {
  const workload = deployment(manifests, name);
  const spec = workload.spec as Workload['spec'] & { strategy?: { type?: string } };
  const problems: string[] = [];
  if (spec.replicas !== 1) problems.push(`replicas is ${spec.replicas ?? 'unset'}, not 1`);
  if (spec.strategy?.type !== 'Recreate') problems.push(`strategy is ${spec.strategy?.type ?? 'RollingUpdate'}`);
  for (const kind of ['HorizontalPodAutoscaler', 'ScaledObject']) {
    for (const scaler of manifests.ofKind(kind)) {
      const target = (scaler.spec as { scaleTargetRef?: { name?: string } }).scaleTargetRef?.name;
      if (target === name) problems.push(`${nameOf(scaler)} scales it`);
    }
  }
  return problems.map((problem) => `Deployment/${name}: ${problem}`);
}

/** The topics a group consumes by the catalog, with their partitions. */
function consumedTopics(group: string): Map<string, number> {
  const partitions = new Map(topicSpecs().map((spec) => [spec.topic, spec.partitions]));
  return new Map(
    Object.values(eventCatalog)
      .filter((entry) => (entry.consumerGroups as readonly string[]).includes(group))
      .map((entry) => [entry.topic, partitions.get(entry.topic) as number]),
  );
}

/**
 * A consumer's ScaledObject: its own Deployment, its own group's lag on a topic it consumes, at most one replica per
 * partition of that topic.
 */
function scaledObjectProblems(
  scaled: K8sObject,
  group: string,
  topics: ReadonlyMap<string, number>,
  tlsPort: number,
): string[] {
  const spec = scaled.spec as {
    scaleTargetRef: { name: string };
    maxReplicaCount: number;
    triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
  };
  const problems: string[] = [];
  if (spec.scaleTargetRef.name !== group) problems.push(`scales ${spec.scaleTargetRef.name}, not ${group}`);
  const kafka = spec.triggers.filter((trigger) => trigger.type === 'kafka');
  if (kafka.length !== 1) return [...problems, `has ${kafka.length} kafka triggers, not 1`];
  const { metadata } = kafka[0] as (typeof spec.triggers)[number];
  const topic = metadata.topic ?? '';
  const partitions = topics.get(topic);
  if (partitions === undefined) {
    problems.push(`trigger topic ${topic || '(none)'} is none the group consumes (${[...topics.keys()].join(', ')})`);
  } else if (spec.maxReplicaCount > partitions) {
    problems.push(`maxReplicaCount ${spec.maxReplicaCount} exceeds the ${partitions} partitions of ${topic}`);
  }
  const expected = { consumerGroup: group, sasl: 'scram_sha512', tls: 'enable' };
  for (const [key, value] of Object.entries(expected)) {
    if (metadata[key] !== value) problems.push(`trigger ${key} is ${metadata[key]}, not ${value}`);
  }
  if (!metadata.bootstrapServers?.endsWith(`:${tlsPort}`)) problems.push('trigger does not use the TLS listener');
  return problems.map((problem) => `${nameOf(scaled)}: ${problem}`);
}

describe('the topic generator', () => {
  const script = join(repoRoot, 'tools/deploy/scripts/generate-k8s-topics.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('k8s/base/kafka/topics.generated.yaml is what the event catalog generates (npm run generate:k8s-topics)', () => {
    const result = run('--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file', () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'k8s-topics-')), 'topics.yaml');
    const committed = readFileSync(join(repoRoot, 'k8s/base/kafka/topics.generated.yaml'), 'utf8');
    writeFileSync(stale, committed.replace('partitions: 6', 'partitions: 12'));
    const result = run('--check', '--out', stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run npm run generate:k8s-topics/);
  });

  it('writes one KafkaTopic per catalog topic, with the catalog default replication', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'k8s-topics-')), 'topics.yaml');
    expect(run('--out', out).status).toBe(0);
    const topics = parseManifests(readFileSync(out, 'utf8'), out);
    expect(topics.map((topic) => (topic.spec as { topicName: string }).topicName)).toEqual(
      topicSpecs().map((spec) => spec.topic),
    );
    expect(readFileSync(out, 'utf8')).toMatch(/^# Generated by .*do not edit/s);
  });
});

describe('the monitoring generator (prod: PodMonitor, PrometheusRule, Grafana dashboard)', () => {
  const script = join(repoRoot, 'tools/deploy/scripts/generate-k8s-monitoring.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('k8s/overlays/prod/monitoring.generated.yaml is what deploy/prometheus and deploy/grafana generate', () => {
    const result = run('--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file', () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'k8s-monitoring-')), 'monitoring.yaml');
    const committed = readFileSync(join(repoRoot, 'k8s/overlays/prod/monitoring.generated.yaml'), 'utf8');
    writeFileSync(stale, committed.replace('for: 5m', 'for: 50m'));
    const result = run('--check', '--out', stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run npm run generate:k8s-monitoring/);
  });

  it('renders in prod with the same rules as compose, the same dashboard, and scrapes the management ports', () => {
    const prod = overlay('prod');
    const alerts = parse(readFileSync(join(repoRoot, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: unknown };
    expect(prod.get('PrometheusRule', 'kafka-platform-alerts').spec).toEqual({ groups: alerts.groups });
    const dashboard = prod.get('ConfigMap', 'kafka-platform-grafana-dashboard') as K8sObject & {
      data: Record<string, string>;
    };
    expect(dashboard.data['kafka-platform.json']).toBe(
      readFileSync(join(repoRoot, 'deploy/grafana/dashboards/kafka-platform.json'), 'utf8'),
    );
    expect(prod.get('PodMonitor', 'kafka-platform-services').spec).toMatchObject({
      podMetricsEndpoints: [{ port: 'management', path: '/metrics' }],
    });
    const monitor = prod.get('PodMonitor', 'kafka-platform-services').spec as {
      selector: { matchLabels?: Record<string, string> };
    };
    const processors = prod.get('PodMonitor', 'kafka-platform-stream-processors').spec as {
      selector: { matchLabels?: Record<string, string> };
      podMetricsEndpoints: unknown[];
    };
    expect(processors.podMetricsEndpoints).toEqual([{ port: 'management', path: '/metrics', interval: '30s' }]);
    for (const app of PROCESSOR_NAMES) {
      const labels = deployment(prod, app).spec.template.metadata?.labels;
      expect({ app, scraped: selects(processors.selector.matchLabels, labels) }).toEqual({ app, scraped: true });
    }
    for (const app of APP_NAMES) {
      const workload = deployment(prod, app);
      const ports = workload.spec.template.spec.containers[0]?.ports ?? [];
      expect({ app, ports: ports.map((port) => port.name) }).toEqual({
        app,
        ports: expect.arrayContaining(['management']),
      });
      expect({ app, scraped: selects(monitor.selector.matchLabels, workload.spec.template.metadata?.labels) }).toEqual({
        app,
        scraped: true,
      });
    }
  });
});

// The checks above only mean something if they can fail: each rule rejects an object that breaks it.
describe('the manifest checks reject broken objects', () => {
  const app = () => clone(deployment(overlay('dev'), 'user-service'));
  const container = (workload: Workload) =>
    workload.spec.template.spec.containers[0] as Workload['spec']['template']['spec']['containers'][number];

  it('pod security: root, a writable root filesystem, escalation, kept capabilities, no seccomp, no /tmp', () => {
    const workload = app();
    workload.spec.template.spec.securityContext = { runAsNonRoot: false };
    container(workload).securityContext = { readOnlyRootFilesystem: false, allowPrivilegeEscalation: true };
    container(workload).volumeMounts = [];
    expect(podSecurityProblems(workload)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/runAsNonRoot must be true/),
        expect.stringMatching(/readOnlyRootFilesystem must be true/),
        expect.stringMatching(/allowPrivilegeEscalation must be false/),
        expect.stringMatching(/capabilities must drop ALL/),
        expect.stringMatching(/seccompProfile must be RuntimeDefault/),
        expect.stringMatching(/\/tmp must be an emptyDir/),
      ]),
    );
    expect(podSecurityProblems(app())).toEqual([]);
  });

  it('probes: missing, on the wrong path, on an undeclared port', () => {
    const missing = app();
    delete container(missing).livenessProbe;
    delete container(missing).readinessProbe;
    expect(serviceProbeProblems(missing, 'user-service')).toEqual([
      expect.stringMatching(/livenessProbe must be an HTTP GET of \/health\/live/),
      expect.stringMatching(/readinessProbe must be an HTTP GET of \/health\/ready/),
    ]);
    const wrong = app();
    container(wrong).readinessProbe = { httpGet: { path: '/health/live', port: 'metrics' } };
    expect(serviceProbeProblems(wrong, 'user-service')).toEqual([
      expect.stringMatching(/readinessProbe must GET \/health\/ready/),
      expect.stringMatching(/readinessProbe port metrics is not a port of the container/),
    ]);
  });

  it('resources, image pins and environment names', () => {
    const workload = app();
    delete container(workload).resources?.limits;
    container(workload).image = 'ghcr.io/your-org/kafka-platform/user-service:latest';
    container(workload).env = [...(container(workload).env ?? []), { name: 'KAFKA_BROKER', value: 'kafka:9092' }];
    expect(resourceProblems(workload)).toEqual([
      expect.stringMatching(/no limits.cpu/),
      expect.stringMatching(/no limits.memory/),
    ]);
    expect(imageProblems(workload)).toEqual([expect.stringMatching(/is not pinned/)]);
    container(workload).image = 'postgres';
    expect(imageProblems(workload)).toEqual([expect.stringMatching(/image postgres is not pinned/)]);
    expect(envNameProblems(workload, 'user-service', overlay('dev'), configEnvNames('user-service').names)).toEqual([
      expect.stringMatching(/KAFKA_BROKER is read by no config schema/),
    ]);
  });

  it('environment names: a variable feeding another through $(NAME) only from before it, and only into one read', () => {
    const names = configEnvNames('user-service').names;
    const withEnv = (env: EnvVar[]) => {
      const workload = app();
      container(workload).env = env;
      return envNameProblems(workload, 'user-service', overlay('dev'), names);
    };
    const secretUrl: EnvVar = {
      name: 'DATABASE_SERVER_URL',
      valueFrom: { secretKeyRef: { name: 'user-service-database', key: 'url' } },
    };
    const url: EnvVar = { name: 'DATABASE_URL', value: '$(DATABASE_SERVER_URL)?sslmode=verify-full' };
    expect(withEnv([secretUrl, url])).toEqual([]);
    // After it, Kubernetes leaves "$(DATABASE_SERVER_URL)" unexpanded.
    expect(withEnv([url, secretUrl])).toEqual([expect.stringMatching(/DATABASE_SERVER_URL is read by no config/)]);
    expect(withEnv([secretUrl])).toEqual([expect.stringMatching(/DATABASE_SERVER_URL is read by no config/)]);
    expect(withEnv([secretUrl, { name: 'DATABASE_LINK', value: '$(DATABASE_SERVER_URL)' }])).toEqual([
      expect.stringMatching(/DATABASE_SERVER_URL is read by no config/),
      expect.stringMatching(/DATABASE_LINK is read by no config/),
    ]);
  });

  it('network policies: monitoring on the API port, or anyone on the management port, shows in who is admitted', () => {
    const dev = overlay('dev');
    const policy = (ingress: PolicySpec['ingress']) =>
      new Manifests('dev', [
        ...dev.objects.filter((object) => nameOf(object) !== 'NetworkPolicy/user-service'),
        { ...clone(dev.get('NetworkPolicy', 'user-service')), spec: { podSelector: {}, ingress } },
      ]);
    const api = { ports: [{ port: 3001 }] };
    const metrics = { ports: [{ port: 9001 }] };
    expect(
      admittedPeers(
        policy([
          { ...api, from: [namespacePeer(INGRESS_NAMESPACE), namespacePeer(MONITORING_NAMESPACE)] },
          { ...metrics },
        ]),
        'user-service',
      ),
    ).toEqual({ 3001: [namespacePeer(INGRESS_NAMESPACE), namespacePeer(MONITORING_NAMESPACE)], 9001: 'anyone' });
    expect(admittedPeers(policy([{ from: [namespacePeer(MONITORING_NAMESPACE)] }]), 'user-service')).toEqual({
      0: [namespacePeer(MONITORING_NAMESPACE)],
    });
  });

  it('the env names come from the config schemas of each service', () => {
    const email = configEnvNames('email-service');
    const user = configEnvNames('user-service');
    expect([...email.names]).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'DATABASE_URL', 'PORT', 'SMTP_HOST']));
    expect(user.names.has('SMTP_HOST')).toBe(false);
    expect(email.files).toEqual(expect.arrayContaining(['apps/email-service/src/mail/mail-config.ts']));
    expect(schemaKeys('const schema = z.object({\n  FOO: z.string(),\n});')).toEqual([]);
    expect(schemaKeys('parseEnv(z.object({\n  FOO: z.string(),\n}), env);')).toEqual(['FOO']);
  });

  it('schemas: a wrongly typed field, an unknown field, and a kind no schema knows', () => {
    const workload = app();
    (container(workload).ports as unknown as { containerPort: string }[])[0] = { containerPort: 'http' };
    (container(workload) as unknown as Record<string, unknown>)['envFrm'] = [];
    const unknown: K8sObject = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'typo' } };
    expect(schemaProblems([workload, unknown])).toEqual([
      'Deployment/user-service: /spec/template/spec/containers/0/ports/0/containerPort must be integer',
      'Deployment/user-service: /spec/template/spec/containers/0/envFrm is not a field of apps/v1 Deployment (unknown field "envFrm")',
      'Deploymnet/typo: no Kubernetes schema for apiVersion apps/v1, kind Deploymnet',
    ]);
    expect(schemaProblems([app()])).toEqual([]);
  });

  it('platform rules: a topic without partitions or cluster, a user without ACLs, a kind the platform does not use', () => {
    const dev = overlay('dev');
    const topic = clone(dev.get('KafkaTopic', USER_EVENTS_TOPIC));
    delete (topic.spec as { partitions?: number }).partitions;
    topic.metadata.labels = { 'strimzi.io/cluster': 'other' };
    expect(customResourceProblems(topic, dev.objects)).toEqual([
      'KafkaTopic/user-events: label strimzi.io/cluster=other names no rendered Kafka',
      'KafkaTopic/user-events: spec.partitions must be a whole number >= 1',
    ]);
    const user = clone(overlay('prod').get('KafkaUser', 'email-service'));
    (user.spec as { authorization: { acls: Acl[] } }).authorization.acls = [];
    expect(customResourceProblems(user, overlay('prod').objects)).toEqual([
      'KafkaUser/email-service: spec.authorization.acls must not be empty',
    ]);
    expect(customResourceProblems({ ...user, kind: 'KafkaConnect' }, [])).toEqual([
      'KafkaConnect/email-service: kafka.strimzi.io/v1 KafkaConnect is no custom resource this platform uses',
    ]);
    const mirror = clone(overlay('prod').get('KafkaMirrorMaker2', 'kafka-platform-dr'));
    const [flow] = (mirror.spec as { mirrors: Record<string, { config?: Record<string, unknown> }>[] }).mirrors;
    delete flow?.['checkpointConnector']?.config?.['replication.policy.class'];
    (flow?.['source'] as { authentication: { username: string } }).authentication.username = 'nobody';
    expect(customResourceProblems(mirror, overlay('prod').objects)).toEqual([
      'KafkaMirrorMaker2/kafka-platform-dr: spec.mirrors[0].source logs in as nobody, which is no rendered KafkaUser',
      'KafkaMirrorMaker2/kafka-platform-dr: spec.mirrors[0]: sourceConnector and checkpointConnector must set the same replication.policy.class',
    ]);
  });

  it('least privilege and scaling: an extra ACL, and more consumers than partitions', () => {
    const user = clone(overlay('prod').get('KafkaUser', 'email-service'));
    (user.spec as { authorization: { acls: Acl[] } }).authorization.acls.push({
      resource: { type: 'topic', name: USER_EVENTS_TOPIC },
      operations: ['Delete'],
    });
    expect(aclsOf(user)).not.toEqual(expectedAcls('email-service'));
    const scaled = clone(overlay('prod').get('ScaledObject', 'email-service'));
    (scaled.spec as { maxReplicaCount: number }).maxReplicaCount = 12;
    expect(scaledObjectProblems(scaled, 'email-service', new Map([[USER_EVENTS_TOPIC, 6]]), 9093)).toEqual([
      'ScaledObject/email-service: maxReplicaCount 12 exceeds the 6 partitions of user-events',
    ]);
    expect(scaledObjectProblems(scaled, 'email-service', new Map([['order-events', 6]]), 9093)).toEqual([
      'ScaledObject/email-service: trigger topic user-events is none the group consumes (order-events)',
    ]);
  });

  it('a stream processor: a second replica, a rolling update, an autoscaler, a transactional id grant by prefix', () => {
    const name = 'signup-analytics';
    const twice = prodWith('Deployment', name, (workload) => {
      workload.spec.replicas = 2;
      (workload.spec as { strategy?: object }).strategy = { type: 'RollingUpdate' };
      return workload;
    });
    expect(singletonProblems(twice, name)).toEqual([
      `Deployment/${name}: replicas is 2, not 1`,
      `Deployment/${name}: strategy is RollingUpdate`,
    ]);
    const hpa = clone(overlay('prod').get('HorizontalPodAutoscaler', 'user-service'));
    hpa.metadata.name = name;
    (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name = name;
    const scaled = new Manifests('prod', [...overlay('prod').objects, hpa]);
    expect(singletonProblems(scaled, name)).toEqual([`Deployment/${name}: HorizontalPodAutoscaler/${name} scales it`]);
    // Any pod's id would do with a prefix grant: the ACL must name the one id.
    const user = clone(overlay('prod').get('KafkaUser', name));
    const acls = (user.spec as { authorization: { acls: Acl[] } }).authorization.acls;
    const transactional = acls.find((acl) => acl.resource.type === 'transactionalId') as Acl;
    transactional.resource = { type: 'transactionalId', name: `${name}-`, patternType: 'prefix' };
    expect(aclsOf(user)).not.toEqual(expectedAcls(name));
    expect(aclsOf(overlay('prod').get('KafkaUser', name))).toEqual(expectedAcls(name));
  });

  /** prod with a copy of one object changed by `change`, or without it when `change` returns undefined. */
  const prodWith = (kind: string, name: string, change: (object: Workload) => Workload | undefined) => {
    const prod = overlay('prod');
    const objects = prod.objects.flatMap((object) =>
      nameOf(object) === `${kind}/${name}` ? (change(clone(object) as Workload) ?? []) : [object],
    );
    return new Manifests('prod', objects);
  };
  const first = (workload: Workload) => container(workload);
  const init = (workload: Workload) =>
    workload.spec.template.spec.initContainers?.find(
      (candidate) => candidate.name === SCHEMAS_INIT_CONTAINER,
    ) as Workload['spec']['template']['spec']['containers'][number];

  it('schema gate: the Job and the init containers are held to the restricted pod rules too', () => {
    const job = clone(overlay('prod').get<Workload>('Job', SCHEMAS_JOB));
    container(job).securityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false };
    delete container(job).resources?.limits;
    expect([...podSecurityProblems(job), ...resourceProblems(job)]).toEqual([
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB}: readOnlyRootFilesystem must be true`,
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB}: capabilities must drop ALL`,
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB} has no limits.cpu`,
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB} has no limits.memory`,
    ]);
    const user = clone(deployment(overlay('prod'), 'user-service'));
    init(user).image = 'ghcr.io/your-org/kafka-platform/user-service:latest';
    init(user).volumeMounts = [];
    expect([...podSecurityProblems(user), ...imageProblems(user)]).toEqual([
      `Deployment/user-service: container ${SCHEMAS_INIT_CONTAINER}: the root filesystem is read-only, so /tmp must be an emptyDir`,
      `Deployment/user-service: container ${SCHEMAS_INIT_CONTAINER} image ghcr.io/your-org/kafka-platform/user-service:latest is not pinned`,
    ]);
  });

  it('schema gate: no Job registers the schemas', () => {
    expect(
      schemaGateProblems(
        prodWith('Job', SCHEMAS_JOB, () => undefined),
        APP_NAMES,
        true,
      ),
    ).toEqual([`no Job ${SCHEMAS_JOB} registers the catalog's schemas, and the services only look them up`]);
  });

  it('schema gate: a Job that checks instead of registering, without --wait, from another image, out of reach', () => {
    const broken = prodWith('Job', SCHEMAS_JOB, (job) => {
      first(job).command = ['node', SCHEMAS_CLI, 'check'];
      first(job).image = 'ghcr.io/your-org/kafka-platform/email-service:0.1.0';
      delete job.spec.template.metadata?.labels?.['kafka-platform/registry-client'];
      delete (job.spec as unknown as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished;
      return job;
    });
    expect(schemaGateProblems(broken, APP_NAMES, true)).toEqual([
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB} must run schemas register, not schemas check`,
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB} must --wait for the registry rather than fail at once`,
      `Job/${SCHEMAS_JOB}: runs ghcr.io/your-org/kafka-platform/email-service:0.1.0, not the user-service image of this release (ghcr.io/your-org/kafka-platform/user-service:0.1.0)`,
      `Job/${SCHEMAS_JOB}: its pod lacks the label kafka-platform/registry-client=true, so it cannot reach the registry`,
      `Job/${SCHEMAS_JOB}: needs ttlSecondsAfterFinished, or the next release cannot apply its new pod template`,
    ]);
  });

  it('schema gate: the Job gets a variable the command does not read, or another registry than the services', () => {
    const broken = prodWith('Job', SCHEMAS_JOB, (job) => {
      first(job).env = [
        { name: 'SCHEMA_REGISTRY_URL', value: 'http://other-registry:8081/apis/ccompat/v7' },
        { name: 'KAFKA_BROKERS', value: 'kafka-platform-kafka-bootstrap:9093' },
      ];
      return job;
    });
    expect(schemaGateProblems(broken, APP_NAMES, true)).toEqual([
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB}: KAFKA_BROKERS is read by no config schema of the schemas command`,
      `Job/${SCHEMAS_JOB}: container ${SCHEMAS_JOB}: SCHEMA_REGISTRY_URL is http://other-registry:8081/apis/ccompat/v7, not the services' https://apicurio-registry:8081/apis/ccompat/v7`,
    ]);
  });

  it('schema gate: a service that does not wait, or waits with another image, a plain check, the whole config', () => {
    const unwaited = prodWith('Deployment', 'email-service', (deployment) => {
      delete deployment.spec.template.spec.initContainers;
      return deployment;
    });
    expect(schemaGateProblems(unwaited, APP_NAMES, true)).toEqual([
      `Deployment/email-service: no init container ${SCHEMAS_INIT_CONTAINER} waits for the schemas to be registered`,
    ]);
    const wrong = prodWith('Deployment', 'dashboard-service', (deployment) => {
      init(deployment).image = 'ghcr.io/your-org/kafka-platform/dashboard-service:0.0.9';
      init(deployment).command = ['node', SCHEMAS_CLI, 'check', '--wait', '10m'];
      init(deployment).envFrom = [{ configMapRef: { name: 'platform-config' } }];
      return deployment;
    });
    expect(schemaGateProblems(wrong, APP_NAMES, true)).toEqual([
      `Deployment/dashboard-service: container ${SCHEMAS_INIT_CONTAINER} must run schemas check --registered, not schemas check --wait 10m`,
      `Deployment/dashboard-service: container ${SCHEMAS_INIT_CONTAINER}: envFrom hands it variables it does not read`,
      "Deployment/dashboard-service: init container runs ghcr.io/your-org/kafka-platform/dashboard-service:0.0.9, not the pod's image ghcr.io/your-org/kafka-platform/dashboard-service:0.1.0",
    ]);
  });

  it('schema gate: dev, whose services register their own schemas, with a Job and a waiting service', () => {
    const prod = overlay('prod');
    const dev = overlay('dev');
    const gated = new Manifests('dev', [
      ...dev.objects.filter((object) => nameOf(object) !== 'Deployment/user-service'),
      prod.get('Job', SCHEMAS_JOB),
      prod.get('Deployment', 'user-service'),
    ]);
    expect(schemaGateProblems(gated, APP_NAMES, false)).toEqual([
      `Job/${SCHEMAS_JOB}: this overlay's services register their own schemas; no Job may`,
      'Deployment/user-service: waits for schemas that only its own start would register',
    ]);
  });

  it('schema gate: a CLI path no source builds', () => {
    expect(cliProblems('libs/kafka/dist/schemas/schema-cli.js')).toEqual([
      'libs/kafka/dist/schemas/schema-cli.js is built from libs/kafka/src/schemas/schema-cli.ts, which does not exist',
    ]);
  });

  it('references: a Secret that is neither rendered nor expected from outside', () => {
    const dev = overlay('dev');
    const workload = app();
    container(workload).env = [
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'forgotten-secret', key: 'url' } } },
    ];
    const broken = new Manifests('dev', [
      ...dev.objects.filter((object) => nameOf(object) !== 'Deployment/user-service'),
      workload,
    ]);
    expect(referenceProblems(broken, {})).toEqual([
      expect.stringMatching(/Deployment\/user-service: DATABASE_URL needs Secret forgotten-secret \(key url\)/),
    ]);
  });
});

// The Strimzi and KEDA resources against the CRD schemas of the releases the README names, and the rules the schemas
// leave to the platform. Each case breaks one thing in a copy of a real resource and expects exactly that problem;
// the unbroken copy passes (the overlay tests above), so the problem is the change's.
describe('the Strimzi and KEDA checks reject broken resources', () => {
  type Json = Record<string, unknown>;
  /**
   * A copy of the first rendered resource of a kind in prod (which has every kind) with the value at a path (keys and
   * list indexes joined by "/") set, or deleted when the value is undefined.
   */
  const broken = (kind: string, path: string, value: unknown): K8sObject => {
    const object = clone(overlay('prod').ofKind(kind)[0] as K8sObject);
    const keys = path.split('/');
    const parent = keys.slice(0, -1).reduce((at, key) => at[key] as Json, object as unknown as Json);
    if (value === undefined) delete parent[keys.at(-1) as string];
    else parent[keys.at(-1) as string] = value;
    return object;
  };

  it.each(['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser'])(
    'a %s of kafka.strimzi.io/v1beta2, which Strimzi 1.0 removed',
    (kind) => {
      const object = broken(kind, 'apiVersion', 'kafka.strimzi.io/v1beta2');
      expect(schemaProblems([object])).toEqual([
        `${nameOf(object)}: no schema for kafka.strimzi.io/v1beta2 ${kind}: the supported operator releases serve kafka.strimzi.io only as kafka.strimzi.io/v1`,
      ]);
    },
  );

  it('a ScaledObject of an API version KEDA does not serve', () => {
    const object = broken('ScaledObject', 'apiVersion', 'keda.sh/v1');
    expect(schemaProblems([object])).toEqual([
      `${nameOf(object)}: no schema for keda.sh/v1 ScaledObject: the supported operator releases serve keda.sh only as keda.sh/v1alpha1`,
    ]);
  });

  it.each([
    // v1beta2's place for the node count; in v1 only a KafkaNodePool has replicas.
    ['Kafka', 'spec/kafka/replicas', 3],
    ['Kafka', 'spec/kafka/listeners/0/tlsEnabled', true],
    // v1 calls it class.
    ['KafkaNodePool', 'spec/storage/volumes/0/storageClass', 'ssd'],
    ['KafkaTopic', 'spec/partition', 6],
    // v1beta2's single operation, removed in v1 (operations is the list).
    ['KafkaUser', 'spec/authorization/acls/0/operation', 'Read'],
    // The HPA's name; KEDA's is maxReplicaCount.
    ['ScaledObject', 'spec/maxReplicas', 6],
    ['TriggerAuthentication', 'spec/secretTargetRef/0/secret', 'x'],
  ])('a %s with the unknown field /%s', (kind, path, value) => {
    const object = broken(kind, path, value);
    expect(schemaProblems([object])).toEqual([
      `${nameOf(object)}: /${path} is not a field of ${object.apiVersion} ${kind} (unknown field "${path.split('/').at(-1)}")`,
    ]);
  });

  it('but not a key where the schema leaves keys open: broker and topic configs, trigger metadata, labels', () => {
    expect(
      schemaProblems([
        broken('Kafka', 'spec/kafka/config/num.network.threads', 8),
        broken('KafkaTopic', 'spec/config/segment.bytes', 1073741824),
        broken('ScaledObject', 'spec/triggers/0/metadata/limitToPartitionsWithLag', 'true'),
        broken('KafkaUser', 'metadata/labels/team', 'platform'),
      ]),
    ).toEqual([]);
  });

  it.each([
    ['Kafka', 'spec/kafka/listeners'],
    ['KafkaNodePool', 'spec/roles'],
    ['KafkaNodePool', 'spec/storage'],
    ['KafkaTopic', 'spec'],
    ['KafkaUser', 'spec/authorization/acls/0/operations'],
    ['ScaledObject', 'spec/scaleTargetRef'],
    ['ScaledObject', 'spec/triggers/0/type'],
  ])('a %s without the required /%s', (kind, path) => {
    const object = broken(kind, path, undefined);
    const parent = path.split('/').slice(0, -1).join('/');
    expect(schemaProblems([object])).toEqual([
      `${nameOf(object)}: /${parent} must have required property ${path.split('/').at(-1)}`,
    ]);
  });

  it('a value the schema does not allow: an ACL operation Kafka does not have, a listener name too long', () => {
    expect(
      schemaProblems([
        broken('KafkaUser', 'spec/authorization/acls/0/operations/2', 'Own'),
        broken('Kafka', 'spec/kafka/listeners/0/name', 'tls-listener'),
      ]),
    ).toEqual([
      expect.stringMatching(
        /^KafkaUser\/\S+: \/spec\/authorization\/acls\/0\/operations\/2 must be equal to one of the allowed values \(Read, Write, .*, All\)$/,
      ),
      'Kafka/kafka-platform: /spec/kafka/listeners/0/name must match pattern "^[a-z0-9]{1,11}$"',
    ]);
  });

  it('a Kafka version the supported Strimzi releases do not run (4.1.0), or that is not the platform Kafka', () => {
    const objects = overlay('prod').objects;
    expect(customResourceProblems(broken('Kafka', 'spec/kafka/version', '4.1.0'), objects)).toEqual([
      "Kafka/kafka-platform: spec.kafka.version must be the platform's Kafka 4.3.1 (KAFKA_IMAGE), got 4.1.0",
      `Kafka/kafka-platform: spec.kafka.version 4.1.0 is not run by Strimzi ${STRIMZI.releases} (Kafka 4.2.0 to 4.3.1)`,
    ]);
    expect(customResourceProblems(broken('Kafka', 'spec/kafka/version', '4.2.0'), objects)).toEqual([
      "Kafka/kafka-platform: spec.kafka.version must be the platform's Kafka 4.3.1 (KAFKA_IMAGE), got 4.2.0",
    ]);
    expect(customResourceProblems(broken('Kafka', 'spec/kafka/version', undefined), objects)).toHaveLength(2);
  });

  it('the annotations Strimzi ignores since 0.48', () => {
    const kafka = broken('Kafka', 'metadata/annotations', { 'strimzi.io/kraft': 'enabled' });
    expect(customResourceProblems(kafka, overlay('prod').objects)).toEqual([
      'Kafka/kafka-platform: annotation strimzi.io/kraft is ignored since Strimzi 0.48 (KRaft and node pools are all it runs)',
    ]);
  });

  it('the README and the Kafka resource name the Strimzi releases these checks assume', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const kafka = readFileSync(join(repoRoot, 'k8s/base/kafka/kafka.yaml'), 'utf8');
    expect({
      readme: readme.includes(`**Strimzi** ${STRIMZI.releases}`),
      kafka: kafka.includes(STRIMZI.releases),
    }).toEqual({ readme: true, kafka: true });
  });
});
