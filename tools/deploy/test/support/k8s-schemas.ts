// Schema checks for rendered objects, and the platform's rules for its custom resources beyond what a schema says.
//
// Every object, Kubernetes' own kinds and the Strimzi and KEDA custom resources alike, is validated against the
// schema of its kind and API version with unknown fields refused (k8s-validate.mjs, in a child process):
//   Kubernetes   kubernetes-models (the Kubernetes API's OpenAPI schemas)
//   Strimzi      @kubernetes-models/strimzi-kafka-operator: the CRDs of Strimzi 1.0.0, kafka.strimzi.io/v1 only
//   KEDA         @kubernetes-models/keda: KEDA 2's API types, keda.sh/v1alpha1
// What a schema cannot say (a label naming a rendered Kafka, the Kafka version the supported Strimzi releases run,
// a trigger's metadata, which is a free string map) is checked by customResourceProblems.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { imagePins } from './image-pins';
import type { K8sObject } from './k8s-manifests';
import { nameOf } from './k8s-manifests';

const validator = join(__dirname, 'k8s-validate.mjs');

/** Problems per object (empty when valid); every object must be of a kind and API version a schema is known for. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  if (objects.length === 0) return [];
  const run = spawnSync(process.execPath, [validator], { input: JSON.stringify(objects), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`k8s-validate.mjs failed:\n${run.stderr}`);
  const results = JSON.parse(run.stdout) as (string[] | null)[];
  return results.flatMap((problems, index) =>
    (problems ?? []).map((problem) => `${nameOf(objects[index] as K8sObject)}: ${problem}`),
  );
}

/**
 * The Strimzi releases the manifests are written for: the ones whose CRDs serve kafka.strimzi.io/v1 (Strimzi 1.0
 * removed every other version) and that run the platform's Kafka. Strimzi 1.1 and later run Kafka 4.2.0 to 4.3.1.
 * Moving to another Strimzi release means checking its supported Kafka versions and changing this, the README and
 * k8s/base/kafka/kafka.yaml together.
 */
export const STRIMZI = { releases: '1.1.0 to 1.2.x', kafka: { oldest: '4.2.0', newest: '4.3.1' } } as const;

/** The platform's Kafka version: the tag of KAFKA_IMAGE in the root .env (apache/kafka:4.3.1), as everywhere else. */
export const platformKafkaVersion = (): string => {
  const image = imagePins().get('KAFKA_IMAGE') ?? '';
  const version = /:(\d+\.\d+\.\d+)$/.exec(image)?.[1];
  if (!version) throw new Error(`KAFKA_IMAGE=${image} in .env has no x.y.z version tag`);
  return version;
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown, min = 1): boolean => Number.isInteger(value) && (value as number) >= min;
const dig = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), value);
const versionParts = (version: string): number[] => version.split('.').map(Number);
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const difference = (x[i] ?? 0) - (y[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The custom resources the platform uses, each with the rules its schema cannot express. */
const PLATFORM_RULES: Record<string, (object: K8sObject, all: readonly K8sObject[]) => string[]> = {
  Kafka: kafkaProblems,
  KafkaNodePool: nodePoolProblems,
  KafkaTopic: topicProblems,
  KafkaUser: userProblems,
  KafkaMirrorMaker2: mirrorMakerProblems,
  ScaledObject: scaledObjectProblems,
  TriggerAuthentication: triggerAuthenticationProblems,
};

const CUSTOM_GROUPS = ['kafka.strimzi.io', 'keda.sh'];

/** Whether an object belongs to an operator's API group rather than to Kubernetes itself. */
export const isCustomResource = (object: K8sObject): boolean =>
  CUSTOM_GROUPS.includes(object.apiVersion.split('/')[0] as string);

/** The platform's rules for a Strimzi or KEDA resource (its schema is checked by schemaProblems). */
export function customResourceProblems(object: K8sObject, all: readonly K8sObject[]): string[] {
  const check = PLATFORM_RULES[object.kind];
  if (!check)
    return [`${nameOf(object)}: ${object.apiVersion} ${object.kind} is no custom resource this platform uses`];
  return check(object, all).map((problem) => `${nameOf(object)}: ${problem}`);
}

function kafkaProblems(kafka: K8sObject): string[] {
  const problems: string[] = [];
  for (const annotation of ['strimzi.io/kraft', 'strimzi.io/node-pools']) {
    if (kafka.metadata.annotations?.[annotation] !== undefined) {
      problems.push(`annotation ${annotation} is ignored since Strimzi 0.48 (KRaft and node pools are all it runs)`);
    }
  }
  const version = dig(kafka, 'spec', 'kafka', 'version');
  const platform = platformKafkaVersion();
  if (version !== platform) {
    problems.push(`spec.kafka.version must be the platform's Kafka ${platform} (KAFKA_IMAGE), got ${String(version)}`);
  }
  const { oldest, newest } = STRIMZI.kafka;
  if (
    typeof version !== 'string' ||
    !/^\d+\.\d+\.\d+$/.test(version) ||
    compareVersions(version, oldest) < 0 ||
    compareVersions(version, newest) > 0
  ) {
    problems.push(
      `spec.kafka.version ${String(version)} is not run by Strimzi ${STRIMZI.releases} (Kafka ${oldest} to ${newest})`,
    );
  }
  for (const operator of ['topicOperator', 'userOperator']) {
    if (!isObject(dig(kafka, 'spec', 'entityOperator', operator))) {
      problems.push(`spec.entityOperator.${operator} must be set (KafkaTopic/KafkaUser resources need it)`);
    }
  }
  const names = ((dig(kafka, 'spec', 'kafka', 'listeners') as { name?: string; port?: number }[]) ?? []).flatMap(
    (listener) => [`name ${listener.name}`, `port ${listener.port}`],
  );
  for (const duplicate of new Set(names.filter((name, index) => names.indexOf(name) !== index))) {
    problems.push(`two listeners have ${duplicate}`);
  }
  return problems;
}

/** KafkaNodePool, KafkaTopic and KafkaUser name their cluster in a label; it must be a rendered Kafka. */
function clusterLabelProblems(object: K8sObject, all: readonly K8sObject[]): string[] {
  const cluster = object.metadata.labels?.['strimzi.io/cluster'];
  const exists = all.some((other) => other.kind === 'Kafka' && other.metadata.name === cluster);
  return exists ? [] : [`label strimzi.io/cluster=${String(cluster)} names no rendered Kafka`];
}

/**
 * MirrorMaker 2 for disaster recovery: the platform's Kafka version; each mirror reads a rendered Kafka's bootstrap
 * Service over TLS as a rendered KafkaUser; both connectors use one replication policy (else the checkpoints
 * translate offsets for topics the source connector never writes).
 */
function mirrorMakerProblems(mirror: K8sObject, all: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  if (dig(mirror, 'spec', 'version') !== platformKafkaVersion()) {
    problems.push(`spec.version must be the platform's Kafka ${platformKafkaVersion()}`);
  }
  const mirrors = (dig(mirror, 'spec', 'mirrors') as unknown[] | undefined) ?? [];
  for (const [index, entry] of mirrors.entries()) {
    const at = `spec.mirrors[${index}]`;
    const bootstrap = String(dig(entry, 'source', 'bootstrapServers'));
    const local = all.find(
      (object) => object.kind === 'Kafka' && bootstrap.startsWith(`${object.metadata.name}-kafka-bootstrap:`),
    );
    const user = dig(entry, 'source', 'authentication', 'username');
    if (local && !all.some((object) => object.kind === 'KafkaUser' && object.metadata.name === user)) {
      problems.push(`${at}.source logs in as ${String(user)}, which is no rendered KafkaUser`);
    }
    if (local && dig(entry, 'source', 'tls') === undefined) problems.push(`${at}.source must use TLS`);
    const policies = ['sourceConnector', 'checkpointConnector'].map((connector) =>
      dig(entry, connector, 'config', 'replication.policy.class'),
    );
    if (policies[0] !== policies[1]) {
      problems.push(`${at}: sourceConnector and checkpointConnector must set the same replication.policy.class`);
    }
  }
  if (mirrors.length === 0) problems.push('spec.mirrors must not be empty');
  return problems;
}

function nodePoolProblems(pool: K8sObject, all: readonly K8sObject[]): string[] {
  const problems = clusterLabelProblems(pool, all);
  if (!isCount(dig(pool, 'spec', 'replicas'))) problems.push('spec.replicas must be a whole number >= 1');
  const roles = dig(pool, 'spec', 'roles');
  if (!Array.isArray(roles) || roles.length === 0) problems.push('spec.roles must list broker and/or controller');
  const storage = dig(pool, 'spec', 'storage');
  const volumes = dig(storage, 'type') === 'jbod' ? dig(storage, 'volumes') : [storage];
  if (!Array.isArray(volumes) || volumes.length === 0) problems.push('spec.storage must define a volume');
  for (const volume of Array.isArray(volumes) ? volumes : []) {
    if (dig(volume, 'type') === 'persistent-claim' && !/^\d+(Mi|Gi|Ti)$/.test(String(dig(volume, 'size')))) {
      problems.push('a persistent-claim volume needs a size such as 20Gi');
    }
  }
  return problems;
}

function topicProblems(topic: K8sObject, all: readonly K8sObject[]): string[] {
  const problems = clusterLabelProblems(topic, all);
  if (!DNS_SUBDOMAIN.test(topic.metadata.name)) problems.push('metadata.name must be a DNS subdomain');
  // Optional in the schema (the broker's defaults apply); the catalog decides them here.
  if (typeof dig(topic, 'spec', 'topicName') !== 'string') problems.push('spec.topicName must be set');
  if (!isCount(dig(topic, 'spec', 'partitions'))) problems.push('spec.partitions must be a whole number >= 1');
  if (!isCount(dig(topic, 'spec', 'replicas'))) problems.push('spec.replicas must be a whole number >= 1');
  const config = dig(topic, 'spec', 'config');
  if (!isObject(config) || Object.values(config).some((value) => isObject(value) || Array.isArray(value))) {
    problems.push('spec.config must map names to plain values');
  }
  return problems;
}

function userProblems(user: K8sObject, all: readonly K8sObject[]): string[] {
  const problems = clusterLabelProblems(user, all);
  if (dig(user, 'spec', 'authentication', 'type') === undefined) problems.push('spec.authentication must be set');
  const acls = dig(user, 'spec', 'authorization', 'acls');
  if (!Array.isArray(acls) || acls.length === 0) problems.push('spec.authorization.acls must not be empty');
  for (const [index, acl] of (Array.isArray(acls) ? acls : []).entries()) {
    // The schema leaves the name optional for every type; only the cluster has none.
    if (dig(acl, 'resource', 'type') !== 'cluster' && typeof dig(acl, 'resource', 'name') !== 'string') {
      problems.push(`acls[${index}].resource.name must be set`);
    }
  }
  return problems;
}

function scaledObjectProblems(scaled: K8sObject, all: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const target = dig(scaled, 'spec', 'scaleTargetRef', 'name');
  const kind = dig(scaled, 'spec', 'scaleTargetRef', 'kind') ?? 'Deployment';
  if (!all.some((object) => object.kind === kind && object.metadata.name === target)) {
    problems.push(`spec.scaleTargetRef names no rendered ${String(kind)} "${String(target)}"`);
  }
  const min = dig(scaled, 'spec', 'minReplicaCount') ?? 0;
  const max = dig(scaled, 'spec', 'maxReplicaCount');
  if (!isCount(min, 0) || !isCount(max) || (max as number) < (min as number)) {
    problems.push('spec.minReplicaCount/maxReplicaCount must be whole numbers with min <= max');
  }
  const triggers = dig(scaled, 'spec', 'triggers');
  if (!Array.isArray(triggers) || triggers.length === 0) problems.push('spec.triggers must not be empty');
  for (const [index, trigger] of (Array.isArray(triggers) ? triggers : []).entries()) {
    // A trigger's metadata is a string map in the schema: what the Kafka scaler reads is checked here.
    if (dig(trigger, 'type') === 'kafka') {
      for (const field of ['bootstrapServers', 'consumerGroup', 'topic']) {
        if (typeof dig(trigger, 'metadata', field) !== 'string') {
          problems.push(`triggers[${index}].metadata.${field} must be set`);
        }
      }
      if (!/^\d+$/.test(String(dig(trigger, 'metadata', 'lagThreshold')))) {
        problems.push(`triggers[${index}].metadata.lagThreshold must be a whole number in a string`);
      }
    }
    const auth = dig(trigger, 'authenticationRef', 'name');
    if (auth !== undefined && !all.some((o) => o.kind === 'TriggerAuthentication' && o.metadata.name === auth)) {
      problems.push(`triggers[${index}].authenticationRef names no rendered TriggerAuthentication "${String(auth)}"`);
    }
  }
  return problems;
}

function triggerAuthenticationProblems(auth: K8sObject): string[] {
  const secrets = dig(auth, 'spec', 'secretTargetRef');
  const env = dig(auth, 'spec', 'env');
  const count = (Array.isArray(secrets) ? secrets.length : 0) + (Array.isArray(env) ? env.length : 0);
  return count === 0 ? ['must take at least one parameter from a secret or env'] : [];
}
