// Schema checks for rendered objects: Kubernetes' own kinds against the API schemas (kubernetes-models), and the
// custom resources of Strimzi and KEDA, whose CRDs are not available offline, against the structure their operators
// need, written out here.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { K8sObject } from './k8s-manifests';
import { nameOf } from './k8s-manifests';

const validator = join(__dirname, 'k8s-validate.mjs');

/** Problems per object (empty when valid); every object must be of a kind kubernetes-models knows. */
export function coreSchemaProblems(objects: readonly K8sObject[]): string[] {
  if (objects.length === 0) return [];
  const run = spawnSync(process.execPath, [validator], { input: JSON.stringify(objects), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`k8s-validate.mjs failed:\n${run.stderr}`);
  const results = JSON.parse(run.stdout) as (string[] | null)[];
  return results.flatMap((problems, index) =>
    (problems ?? []).map((problem) => `${nameOf(objects[index] as K8sObject)}: ${problem}`),
  );
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown, min = 1): boolean => Number.isInteger(value) && (value as number) >= min;
const dig = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), value);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KAFKA_ACL_OPERATIONS = [
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'AlterConfigs',
  'DescribeConfigs',
  'IdempotentWrite',
  'All',
];

/** The custom resources the manifests may use, each with what its operator requires. */
const CUSTOM_RESOURCES: Record<string, (object: K8sObject, all: readonly K8sObject[]) => string[]> = {
  'kafka.strimzi.io/v1beta2 Kafka': kafkaProblems,
  'kafka.strimzi.io/v1beta2 KafkaNodePool': nodePoolProblems,
  'kafka.strimzi.io/v1beta2 KafkaTopic': topicProblems,
  'kafka.strimzi.io/v1beta2 KafkaUser': userProblems,
  'keda.sh/v1alpha1 ScaledObject': scaledObjectProblems,
  'keda.sh/v1alpha1 TriggerAuthentication': triggerAuthenticationProblems,
};

const CUSTOM_GROUPS = ['kafka.strimzi.io', 'keda.sh'];

/** Whether an object belongs to an operator's API group (checked here) rather than to Kubernetes itself. */
export const isCustomResource = (object: K8sObject): boolean =>
  CUSTOM_GROUPS.includes(object.apiVersion.split('/')[0] as string);

export function customResourceProblems(object: K8sObject, all: readonly K8sObject[]): string[] {
  const check = CUSTOM_RESOURCES[`${object.apiVersion} ${object.kind}`];
  if (!check) return [`${nameOf(object)}: unknown custom resource ${object.apiVersion} ${object.kind}`];
  return check(object, all).map((problem) => `${nameOf(object)}: ${problem}`);
}

function kafkaProblems(kafka: K8sObject): string[] {
  const problems: string[] = [];
  const annotations = kafka.metadata.annotations ?? {};
  if (annotations['strimzi.io/kraft'] !== 'enabled') problems.push('needs annotation strimzi.io/kraft: enabled');
  if (annotations['strimzi.io/node-pools'] !== 'enabled') {
    problems.push('needs annotation strimzi.io/node-pools: enabled');
  }
  if (dig(kafka, 'spec', 'zookeeper') !== undefined) problems.push('spec.zookeeper has no place in a KRaft cluster');
  const version = dig(kafka, 'spec', 'kafka', 'version');
  if (typeof version !== 'string' || !/^4\.\d+\.\d+$/.test(version)) {
    problems.push(`spec.kafka.version must be Kafka 4.x.y, got ${String(version)}`);
  }
  for (const field of ['replicas', 'storage']) {
    if (dig(kafka, 'spec', 'kafka', field) !== undefined) {
      problems.push(`spec.kafka.${field} is ignored with node pools; set it on the KafkaNodePool`);
    }
  }
  const listeners = dig(kafka, 'spec', 'kafka', 'listeners');
  if (!Array.isArray(listeners) || listeners.length === 0) problems.push('spec.kafka.listeners must not be empty');
  for (const [index, listener] of (Array.isArray(listeners) ? listeners : []).entries()) {
    const at = `spec.kafka.listeners[${index}]`;
    if (!/^[a-z0-9]{1,11}$/.test(String(dig(listener, 'name')))) problems.push(`${at}.name must be 1-11 [a-z0-9]`);
    if (!isCount(dig(listener, 'port'), 9092)) problems.push(`${at}.port must be 9092 or higher`);
    if (
      !['internal', 'cluster-ip', 'route', 'loadbalancer', 'nodeport', 'ingress'].includes(
        String(dig(listener, 'type')),
      )
    ) {
      problems.push(`${at}.type ${String(dig(listener, 'type'))} is not a Strimzi listener type`);
    }
    if (typeof dig(listener, 'tls') !== 'boolean') problems.push(`${at}.tls must be true or false`);
    const authentication = dig(listener, 'authentication', 'type');
    if (authentication !== undefined && !['tls', 'scram-sha-512', 'oauth', 'custom'].includes(String(authentication))) {
      problems.push(`${at}.authentication.type ${String(authentication)} is not a Strimzi authentication type`);
    }
  }
  const authorization = dig(kafka, 'spec', 'kafka', 'authorization', 'type');
  if (authorization !== undefined && !['simple', 'opa', 'keycloak', 'custom'].includes(String(authorization))) {
    problems.push(`spec.kafka.authorization.type ${String(authorization)} is not a Strimzi authorization type`);
  }
  if (!isObject(dig(kafka, 'spec', 'kafka', 'config'))) problems.push('spec.kafka.config must be a map');
  for (const operator of ['topicOperator', 'userOperator']) {
    if (!isObject(dig(kafka, 'spec', 'entityOperator', operator))) {
      problems.push(`spec.entityOperator.${operator} must be set (KafkaTopic/KafkaUser resources need it)`);
    }
  }
  return problems;
}

/** KafkaNodePool, KafkaTopic and KafkaUser name their cluster in a label; it must be a rendered Kafka. */
function clusterLabelProblems(object: K8sObject, all: readonly K8sObject[]): string[] {
  const cluster = object.metadata.labels?.['strimzi.io/cluster'];
  const exists = all.some((other) => other.kind === 'Kafka' && other.metadata.name === cluster);
  return exists ? [] : [`label strimzi.io/cluster=${String(cluster)} names no rendered Kafka`];
}

function nodePoolProblems(pool: K8sObject, all: readonly K8sObject[]): string[] {
  const problems = clusterLabelProblems(pool, all);
  if (!isCount(dig(pool, 'spec', 'replicas'))) problems.push('spec.replicas must be a whole number >= 1');
  const roles = dig(pool, 'spec', 'roles');
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => !['broker', 'controller'].includes(role))) {
    problems.push('spec.roles must list broker and/or controller');
  }
  const storage = dig(pool, 'spec', 'storage');
  const volumes = dig(storage, 'type') === 'jbod' ? dig(storage, 'volumes') : [storage];
  if (!Array.isArray(volumes) || volumes.length === 0) problems.push('spec.storage must define a volume');
  for (const volume of Array.isArray(volumes) ? volumes : []) {
    const type = dig(volume, 'type');
    if (type !== 'ephemeral' && type !== 'persistent-claim') problems.push(`storage type ${String(type)} is unknown`);
    if (type === 'persistent-claim' && !/^\d+(Mi|Gi|Ti)$/.test(String(dig(volume, 'size')))) {
      problems.push('a persistent-claim volume needs a size such as 20Gi');
    }
  }
  return problems;
}

function topicProblems(topic: K8sObject, all: readonly K8sObject[]): string[] {
  const problems = clusterLabelProblems(topic, all);
  if (!DNS_SUBDOMAIN.test(topic.metadata.name)) problems.push('metadata.name must be a DNS subdomain');
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
  const authentication = dig(user, 'spec', 'authentication', 'type');
  if (!['tls', 'tls-external', 'scram-sha-512'].includes(String(authentication))) {
    problems.push(`spec.authentication.type ${String(authentication)} is not a Strimzi user authentication`);
  }
  if (dig(user, 'spec', 'authorization', 'type') !== 'simple') problems.push('spec.authorization.type must be simple');
  const acls = dig(user, 'spec', 'authorization', 'acls');
  if (!Array.isArray(acls) || acls.length === 0) problems.push('spec.authorization.acls must not be empty');
  for (const [index, acl] of (Array.isArray(acls) ? acls : []).entries()) {
    const type = dig(acl, 'resource', 'type');
    if (!['topic', 'group', 'cluster', 'transactionalId'].includes(String(type))) {
      problems.push(`acls[${index}].resource.type ${String(type)} is unknown`);
    }
    if (type !== 'cluster' && typeof dig(acl, 'resource', 'name') !== 'string') {
      problems.push(`acls[${index}].resource.name must be set`);
    }
    const pattern = dig(acl, 'resource', 'patternType');
    if (pattern !== undefined && pattern !== 'literal' && pattern !== 'prefix') {
      problems.push(`acls[${index}].resource.patternType must be literal or prefix`);
    }
    const operations = dig(acl, 'operations');
    if (!Array.isArray(operations) || operations.length === 0) {
      problems.push(`acls[${index}].operations must not be empty`);
    } else {
      for (const operation of operations.filter((op) => !KAFKA_ACL_OPERATIONS.includes(op))) {
        problems.push(`acls[${index}]: ${String(operation)} is not a Kafka ACL operation`);
      }
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
    if (typeof dig(trigger, 'type') !== 'string') problems.push(`triggers[${index}].type must be set`);
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
  const problems: string[] = [];
  const secrets = dig(auth, 'spec', 'secretTargetRef') ?? [];
  const env = dig(auth, 'spec', 'env') ?? [];
  if (!Array.isArray(secrets) || !Array.isArray(env)) return ['spec.secretTargetRef and spec.env must be lists'];
  if (secrets.length + env.length === 0) problems.push('must take at least one parameter from a secret or env');
  for (const [index, ref] of secrets.entries()) {
    if (!['parameter', 'name', 'key'].every((field) => typeof dig(ref, field) === 'string')) {
      problems.push(`secretTargetRef[${index}] needs parameter, name and key`);
    }
  }
  for (const [index, ref] of env.entries()) {
    if (!['parameter', 'name'].every((field) => typeof dig(ref, field) === 'string')) {
      problems.push(`env[${index}] needs parameter and name`);
    }
  }
  return problems;
}
