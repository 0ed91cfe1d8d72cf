// Offline checks of k8s/: each overlay renders with kustomize exactly as `kubectl apply -k` would send it, every
// object validates against its schema, and the platform's rules hold on that output: pod security and probes,
// topics and replication from the event catalog, least-privilege Kafka users, lag scaling within the partitions,
// network policies, and no committed credentials. No cluster is involved; what only a cluster can show is listed in
// the README ("Deploy to Kubernetes").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSUMER_GROUPS, deadLetterTopic, eventCatalog, topicSpecs, USER_EVENTS_TOPIC } from '@kafka-platform/events';
import { configEnvNames, repoRoot, schemaKeys } from './support/config-env-names';
import { imagePins } from './support/image-pins';
import type { K8sObject, Workload } from './support/k8s-manifests';
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
import { coreSchemaProblems, customResourceProblems, isCustomResource } from './support/k8s-schemas';

const NAMESPACE = 'kafka-platform';
const KAFKA = 'kafka-platform';
const APPS = [
  { name: 'user-service', port: 3001 },
  { name: 'email-service', port: 3002 },
  { name: 'dashboard-service', port: 3003 },
] as const;
const OUR_IMAGES = 'ghcr.io/your-org/kafka-platform/';

// What each overlay promises about the Kafka cluster: dev one node, prod three that survive losing one.
const CLUSTER = {
  dev: { brokers: 1, replicationFactor: 1, minInsync: 1 },
  prod: { brokers: 3, replicationFactor: 3, minInsync: 2 },
} as const;
type Overlay = keyof typeof CLUSTER;

// Secrets the prod overlay expects to exist without committing them: the operator creates these ...
const PROD_OPERATOR_SECRETS: Record<string, string[]> = {
  'user-service-database': ['url'],
  'email-service-database': ['url'],
  'dashboard-service-database': ['url'],
  'apicurio-registry-database': ['username', 'password'],
  'email-service-smtp': ['username', 'password'],
};
// ... and Strimzi these: the cluster CA and one Secret per KafkaUser.
const strimziSecrets = (manifests: Manifests): Record<string, string[]> => ({
  [`${KAFKA}-cluster-ca-cert`]: ['ca.crt'],
  ...Object.fromEntries(manifests.ofKind('KafkaUser').map((user) => [user.metadata.name, ['password']])),
});

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
    kafka: { listeners: Listener[]; config: Record<string, unknown>; authorization?: { type: string } };
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

  it('every Kubernetes object validates against the API schema of its kind', () => {
    const core = manifests().objects.filter((object) => !isCustomResource(object));
    expect(core.map((object) => object.kind)).toEqual(expect.arrayContaining(['Deployment', 'Service', 'ConfigMap']));
    expect(coreSchemaProblems(core)).toEqual([]);
  });

  it('every Strimzi and KEDA resource has the structure its operator needs', () => {
    const custom = manifests().objects.filter(isCustomResource);
    expect(custom.map((object) => object.kind)).toEqual(
      expect.arrayContaining(['Kafka', 'KafkaNodePool', 'KafkaTopic']),
    );
    expect(custom.flatMap((object) => customResourceProblems(object, manifests().objects))).toEqual([]);
  });

  it('everything referenced exists: ConfigMaps, Secrets, and the pods of Services, budgets and autoscalers', () => {
    const external = name === 'prod' ? { ...PROD_OPERATOR_SECRETS, ...strimziSecrets(manifests()) } : {};
    expect(referenceProblems(manifests(), external)).toEqual([]);
  });

  it('every workload runs restricted: non-root, read-only root filesystem, no privileges, seccomp, resources', () => {
    const workloads = manifests().workloads();
    expect(workloads.map(nameOf)).toEqual(expect.arrayContaining(APPS.map((app) => `Deployment/${app.name}`)));
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
  });

  describe.each(APPS)('$name', ({ name: app, port }) => {
    it('probes /health/live and /health/ready on its HTTP port', () => {
      const workload = deployment(manifests(), app);
      expect(serviceProbeProblems(workload, app)).toEqual([]);
      expect(workload.spec.template.spec.containers[0]?.ports).toEqual([{ name: 'http', containerPort: port }]);
      expect(envValue(workload, app, manifests(), 'PORT')).toBe(String(port));
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
      expect(service.ports.map((servicePort) => servicePort.port)).toEqual([port]);
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
      expect(ingress.ingress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([port]);
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
    expect(url).toBe(`http://apicurio-registry:${service.ports[0]?.port}/apis/ccompat/v7`);
    for (const policy of ['registry-clients', 'apicurio-registry']) {
      const spec = manifests().get('NetworkPolicy', policy).spec as PolicySpec;
      const ports = [...(spec.egress ?? []), ...(spec.ingress ?? [])].flatMap((rule) => rule.ports?.map((p) => p.port));
      expect({ policy, ports }).toEqual({ policy, ports: [podPort] });
    }
  });

  it('gives the registry its global BACKWARD rule with the same script as docker compose', () => {
    const job = manifests().get<Workload>('Job', 'apicurio-registry-init');
    const [container] = job.spec.template.spec.containers;
    const script = job.spec.template.spec.volumes?.find((volume) => volume.configMap);
    const data = manifests().get('ConfigMap', script?.configMap?.name ?? '').data as Record<string, string>;
    expect(container?.command).toEqual(['node', '/init/registry-init.mjs']);
    expect(data['registry-init.mjs']).toBe(readFileSync(join(repoRoot, 'deploy/compose/registry-init.mjs'), 'utf8'));
    const registry = manifests().get('Service', 'apicurio-registry').spec as { ports: { port: number }[] };
    expect(container?.env).toEqual([
      { name: 'REGISTRY_URL', value: `http://apicurio-registry:${registry.ports[0]?.port}` },
    ]);
  });

  it('connects the services to Kafka on a listener the network policies open', () => {
    const listener = clientListener(manifests());
    const policy = manifests().get('NetworkPolicy', 'kafka-clients').spec as PolicySpec;
    expect(policy.egress?.flatMap((rule) => rule.ports?.map((rulePort) => rulePort.port))).toEqual([listener.port]);
    const brokers = envValue(deployment(manifests(), 'email-service'), 'email-service', manifests(), 'KAFKA_BROKERS');
    expect(brokers).toBe(`${KAFKA}-kafka-bootstrap:${listener.port}`);
  });
});

interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  ingress?: { ports?: { protocol?: string; port: number }[] }[];
  egress?: { ports?: { protocol?: string; port: number }[] }[];
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
    expect(values.filter(({ key, value }) => key !== 'username' && !value.includes('changeme-dev'))).toEqual([]);
  });

  it('creates in PostgreSQL every database the services and the registry connect to', () => {
    const script = readFileSync(join(repoRoot, 'k8s/overlays/dev/postgres/init-databases.sh'), 'utf8');
    const created = /for name in ([a-z_ ]+); do/.exec(script)?.[1]?.split(' ') ?? [];
    const secretUrl = (secret: string) =>
      Buffer.from((dev().generated('Secret', secret).data as { url: string }).url, 'base64').toString('utf8');
    const registry = dev().generated('ConfigMap', 'apicurio-registry-config').data as Record<string, string>;
    const databases = [
      ...APPS.map((app) => new URL(secretUrl(`${app.name}-database`)).pathname.slice(1)),
      /\/([a-z_]+)$/.exec(registry.APICURIO_DATASOURCE_URL ?? '')?.[1],
    ];
    expect(databases).toHaveLength(4);
    expect(databases.filter((database) => !created.includes(database as string))).toEqual([]);
  });

  it('lets the services register their own schemas (no CI registers them for a dev cluster)', () => {
    expect(dev().generated('ConfigMap', 'platform-config').data).toMatchObject({
      SCHEMA_REGISTRY_AUTO_REGISTER: 'true',
    });
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
    expect(Object.keys(PROD_OPERATOR_SECRETS).filter((secret) => !documentation.includes(secret))).toEqual([]);
  });

  it('runs in production mode: schemas only looked up (registered by CI), topics only from Strimzi', () => {
    expect(prod().generated('ConfigMap', 'platform-config').data).toMatchObject({
      NODE_ENV: 'production',
      SCHEMA_REGISTRY_AUTO_REGISTER: 'false',
    });
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

  it('has one SCRAM-SHA-512 KafkaUser per service, allowed exactly what the catalog says it does', () => {
    const users = prod().ofKind('KafkaUser');
    expect(users.map((user) => user.metadata.name).sort()).toEqual(APPS.map((app) => app.name).sort());
    for (const app of APPS) {
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

  it.each(APPS)('$name logs in as its own KafkaUser and trusts only the cluster CA', ({ name: app }) => {
    const workload = deployment(prod(), app);
    const env = (variable: string) => envValue(workload, app, prod(), variable);
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

  it('scales each consumer with KEDA on its group lag, never beyond the partitions of the topic', () => {
    const partitions = topicSpecs().find((spec) => spec.topic === USER_EVENTS_TOPIC)?.partitions as number;
    const scaled = prod().ofKind('ScaledObject');
    expect(scaled.map((object) => object.metadata.name).sort()).toEqual([...CONSUMER_GROUPS].sort());
    const listener = clientListener(prod());
    for (const group of CONSUMER_GROUPS) {
      expect(scaledObjectProblems(prod().get('ScaledObject', group), group, partitions, listener.port)).toEqual([]);
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

/** A KafkaUser's ACLs as "operation type:name" strings, sorted: easy to compare and to read in a failure. */
function aclsOf(user: K8sObject): string[] {
  const { acls } = (user.spec as { authorization: { acls: Acl[] } }).authorization;
  return acls
    .flatMap((acl) => {
      if ((acl.resource.patternType ?? 'literal') !== 'literal') throw new Error(`${nameOf(user)}: prefix ACL`);
      return acl.operations.map((operation) => `${operation} ${acl.resource.type}:${acl.resource.name ?? ''}`);
    })
    .sort();
}

interface Acl {
  resource: { type: string; name?: string; patternType?: string };
  operations: string[];
}

/**
 * What a service needs, from the catalog: a producer writes its events' topics; a consumer reads the topic, commits
 * as its group and writes its dead-letter topic; every producer is idempotent. The dashboard also reads (never
 * changes) every group's offsets for its consumer-groups page. Nothing may create, alter or delete a topic.
 */
function expectedAcls(service: string): string[] {
  const entries = Object.values(eventCatalog);
  const acls = new Set<string>(['IdempotentWrite cluster:']);
  for (const entry of entries.filter((candidate) => candidate.producer === service)) {
    acls.add(`Write topic:${entry.topic}`).add(`Describe topic:${entry.topic}`);
  }
  for (const entry of entries.filter((candidate) =>
    (candidate.consumerGroups as readonly string[]).includes(service),
  )) {
    const dlq = deadLetterTopic(entry.topic, service);
    acls.add(`Read topic:${entry.topic}`).add(`Describe topic:${entry.topic}`);
    acls.add(`Read group:${service}`).add(`Describe group:${service}`);
    acls.add(`Write topic:${dlq}`).add(`Describe topic:${dlq}`);
  }
  if (service === 'dashboard-service') acls.add('Describe group:*');
  return [...acls].sort();
}

/** A consumer's ScaledObject: its own Deployment, its own group's lag, at most one replica per partition. */
function scaledObjectProblems(scaled: K8sObject, group: string, partitions: number, tlsPort: number): string[] {
  const spec = scaled.spec as {
    scaleTargetRef: { name: string };
    maxReplicaCount: number;
    triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
  };
  const problems: string[] = [];
  if (spec.scaleTargetRef.name !== group) problems.push(`scales ${spec.scaleTargetRef.name}, not ${group}`);
  if (spec.maxReplicaCount > partitions) {
    problems.push(
      `maxReplicaCount ${spec.maxReplicaCount} exceeds the ${partitions} partitions of ${USER_EVENTS_TOPIC}`,
    );
  }
  const kafka = spec.triggers.filter((trigger) => trigger.type === 'kafka');
  if (kafka.length !== 1) return [...problems, `has ${kafka.length} kafka triggers, not 1`];
  const { metadata } = kafka[0] as (typeof spec.triggers)[number];
  const expected = { consumerGroup: group, topic: USER_EVENTS_TOPIC, sasl: 'scram_sha512', tls: 'enable' };
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

  it('the env names come from the config schemas of each service', () => {
    const email = configEnvNames('email-service');
    const user = configEnvNames('user-service');
    expect([...email.names]).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'DATABASE_URL', 'PORT', 'SMTP_HOST']));
    expect(user.names.has('SMTP_HOST')).toBe(false);
    expect(email.files).toEqual(expect.arrayContaining(['apps/email-service/src/mail/mail-config.ts']));
    expect(schemaKeys('const schema = z.object({\n  FOO: z.string(),\n});')).toEqual([]);
    expect(schemaKeys('parseEnv(z.object({\n  FOO: z.string(),\n}), env);')).toEqual(['FOO']);
  });

  it('schemas: a wrongly typed field, and a kind no schema knows', () => {
    const workload = app();
    (container(workload).ports as unknown as { containerPort: string }[])[0] = { containerPort: 'http' };
    const unknown: K8sObject = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'typo' } };
    expect(coreSchemaProblems([workload, unknown])).toEqual([
      'Deployment/user-service: /spec/template/spec/containers/0/ports/0/containerPort must be integer',
      'Deploymnet/typo: no Kubernetes schema for apiVersion apps/v1, kind Deploymnet',
    ]);
  });

  it('custom resources: a topic without partitions, a user with a made-up operation, an unknown kind', () => {
    const dev = overlay('dev');
    const topic = clone(dev.get('KafkaTopic', USER_EVENTS_TOPIC));
    delete (topic.spec as { partitions?: number }).partitions;
    topic.metadata.labels = { 'strimzi.io/cluster': 'other' };
    expect(customResourceProblems(topic, dev.objects)).toEqual([
      'KafkaTopic/user-events: label strimzi.io/cluster=other names no rendered Kafka',
      'KafkaTopic/user-events: spec.partitions must be a whole number >= 1',
    ]);
    const user = clone(overlay('prod').get('KafkaUser', 'email-service'));
    (user.spec as { authorization: { acls: Acl[] } }).authorization.acls[0]?.operations.push('Own');
    expect(customResourceProblems(user, overlay('prod').objects)).toEqual([
      'KafkaUser/email-service: acls[0]: Own is not a Kafka ACL operation',
    ]);
    expect(customResourceProblems({ ...user, kind: 'KafkaConnect' }, [])).toEqual([
      'KafkaConnect/email-service: unknown custom resource kafka.strimzi.io/v1beta2 KafkaConnect',
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
    expect(scaledObjectProblems(scaled, 'email-service', 6, 9093)).toEqual([
      'ScaledObject/email-service: maxReplicaCount 12 exceeds the 6 partitions of user-events',
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
