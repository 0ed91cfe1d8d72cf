// Offline checks of k8s/overlays/prod-cdc: prod plus the cdc-outbox component (Strimzi KafkaConnect with Debezium,
// the user-service's KafkaConnector, its KafkaUser, RBAC and network policy). It renders, every object validates
// against its schema, Connect runs the platform's Kafka with the Debezium version the local stack runs, the
// connector is exactly the config the comparison test proves (libs/messaging/src/outbox/cdc/outbox-connector.json,
// through its generator), and the user-service runs with OUTBOX_RELAY=cdc. No cluster is involved.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support/config-env-names';
import type { K8sObject } from './support/k8s-manifests';
import { nameOf, renderOverlay } from './support/k8s-manifests';
import { namespaceProblems } from './support/k8s-rules';
import { platformKafkaVersion, schemaProblems } from './support/k8s-schemas';

const NAMESPACE = 'kafka-platform';
const CONNECTOR_JSON = 'libs/messaging/src/outbox/cdc/outbox-connector.json';
const GENERATED = 'k8s/components/cdc-outbox/kafka-connector.generated.yaml';
const NEW_KINDS = ['KafkaConnect', 'KafkaConnector', 'Role', 'RoleBinding'];

interface ConnectSpec {
  version: string;
  bootstrapServers: string;
  authentication: { type: string; username: string; passwordSecret: { secretName: string } };
  config: Record<string, unknown>;
  build: { plugins: { artifacts: { type: string; url: string; sha512sum?: string }[] }[] };
  template: { pod: { metadata: { labels: Record<string, string> } } };
}

const prodCdc = renderOverlay('prod-cdc');
const prod = renderOverlay('prod');
/** The Debezium version of the local stack (tools/local-stack/lib/settings.mjs), read from the file. */
const localDebezium = /debeziumVersion: '([^']+)'/.exec(
  readFileSync(join(repoRoot, 'tools/local-stack/lib/settings.mjs'), 'utf8'),
)?.[1];
const connect = prodCdc.get('KafkaConnect', 'kafka-platform-connect');
const connectSpec = connect.spec as unknown as ConnectSpec;

describe('k8s/overlays/prod-cdc (prod + the cdc-outbox component)', () => {
  it('renders into the namespace, and adds only the component to prod', () => {
    expect(namespaceProblems(prodCdc.objects, NAMESPACE)).toEqual([]);
    const inProd = new Set(prod.objects.map(nameOf));
    const added = prodCdc.objects.map(nameOf).filter((name) => !inProd.has(name) && !name.startsWith('ConfigMap/'));
    expect(added.sort()).toEqual(
      [
        'KafkaConnect/kafka-platform-connect',
        'KafkaConnector/user-service-outbox',
        'KafkaUser/kafka-platform-connect',
        'NetworkPolicy/kafka-connect-build',
        'Role/kafka-platform-connect-secrets',
        'RoleBinding/kafka-platform-connect-secrets',
      ].sort(),
    );
  });

  it('every object of the component validates against the schema of its kind, no unknown field', () => {
    const component = prodCdc.objects.filter(
      (object) => NEW_KINDS.includes(object.kind) || object.metadata.name.startsWith('kafka-platform-connect'),
    );
    expect(component.length).toBeGreaterThanOrEqual(5);
    expect(schemaProblems(component)).toEqual([]);
  });

  it("runs Kafka Connect at the platform's Kafka version with the local stack's Debezium, from Maven Central", () => {
    expect(connectSpec.version).toBe(platformKafkaVersion());
    const artifacts = connectSpec.build.plugins.flatMap((plugin) => plugin.artifacts);
    expect(artifacts).toEqual([
      expect.objectContaining({
        type: 'tgz',
        url: `https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/${localDebezium}/debezium-connector-postgres-${localDebezium}-plugin.tar.gz`,
        sha512sum: expect.stringMatching(/^[0-9a-f]{128}$/),
      }),
    ]);
    expect(connect.metadata.annotations?.['strimzi.io/use-connector-resources']).toBe('true');
  });

  it('connects to Kafka like the services: the TLS listener, SCRAM-SHA-512 as its own KafkaUser', () => {
    expect(connectSpec.bootstrapServers).toBe('kafka-platform-kafka-bootstrap:9093');
    expect(connectSpec.authentication).toMatchObject({
      type: 'scram-sha-512',
      username: 'kafka-platform-connect',
      passwordSecret: { secretName: 'kafka-platform-connect' },
    });
    const user = prodCdc.get('KafkaUser', 'kafka-platform-connect').spec as {
      authorization: { acls: { resource: { type: string; name?: string }; operations: string[] }[] };
    };
    const grants = (name: string) =>
      user.authorization.acls.find((acl) => acl.resource.name === name)?.operations ?? [];
    expect(grants('user-events')).toEqual(['Write', 'Describe']);
    for (const topic of ['connect-configs', 'connect-offsets', 'connect-status']) {
      expect(grants(topic)).toEqual(expect.arrayContaining(['Read', 'Write', 'Create']));
    }
    expect(grants('kafka-platform-connect')).toEqual(['Read', 'Describe']);
    expect(connectSpec.template.pod.metadata.labels).toMatchObject({
      'kafka-platform/kafka-client': 'true',
      'kafka-platform/database-client': 'true',
    });
  });

  it('registers exactly the connector the comparison test proves, with its database credentials from a Secret', () => {
    const source = JSON.parse(readFileSync(join(repoRoot, CONNECTOR_JSON), 'utf8')) as Record<string, string>;
    const connector = prodCdc.get('KafkaConnector', 'user-service-outbox');
    const spec = connector.spec as { class: string; tasksMax: number; config: Record<string, string> };
    expect(connector.metadata.labels?.['strimzi.io/cluster']).toBe(connect.metadata.name);
    expect(spec.class).toBe(source['connector.class']);
    const { 'connector.class': _class, 'tasks.max': _tasks, ...config } = source;
    expect(spec.config).toMatchObject(config);
    expect(spec.config['database.password']).toBe('${secrets:kafka-platform/user-service-cdc-database:password}');
    expect(spec.config['database.sslmode']).toBe('verify-full');
    const role = prodCdc.get('Role', 'kafka-platform-connect-secrets') as K8sObject & {
      rules: { resourceNames: string[]; verbs: string[] }[];
    };
    expect(role.rules).toEqual([
      expect.objectContaining({ resourceNames: ['user-service-cdc-database'], verbs: ['get'] }),
    ]);
  });

  it('runs the user-service with OUTBOX_RELAY=cdc (its polling relay off), and prod with the default', () => {
    const relay = (manifests: typeof prod) =>
      (manifests.generated('ConfigMap', 'platform-config').data as Record<string, string>)['OUTBOX_RELAY'];
    expect(relay(prodCdc)).toBe('cdc');
    expect(relay(prod)).toBeUndefined();
  });
});

describe('the connector generator', () => {
  const script = join(repoRoot, 'tools/deploy/scripts/generate-k8s-connector.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it(`${GENERATED} is what ${CONNECTOR_JSON} generates (npm run generate:k8s-connector)`, () => {
    const result = run('--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file', () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'k8s-connector-')), 'connector.yaml');
    const committed = readFileSync(join(repoRoot, GENERATED), 'utf8');
    writeFileSync(stale, committed.replace('poll.interval.ms', 'poll.interval.millis'));
    const result = run('--check', '--out', stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run npm run generate:k8s-connector/);
  });
});
