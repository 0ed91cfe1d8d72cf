// The prod overlay's KafkaUsers (k8s/overlays/prod/kafka-users.yaml): one per service, allowed exactly what the
// event catalog says it does (tools/deploy's k8s test compares the two). The generators add the grants a new event
// or service needs and leave every other line, comment and hand-written grant as it is.
import type { Tree } from '@nx/devkit';
import { isMap, isSeq, parseDocument } from 'yaml';
import { editYamlDocuments, findObject } from './yaml-edit.js';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';

export const KAFKA_USERS_FILE = 'k8s/overlays/prod/kafka-users.yaml';
const KAFKA_CLUSTER = 'kafka-platform';

export interface Acl {
  readonly resource: { readonly type: 'topic' | 'group' | 'cluster'; readonly name?: string };
  readonly operations: readonly string[];
  /** Why the grant is there, written above it. */
  readonly comment?: string;
}

const deadLetterTopic = (topic: string, group: string) => `${topic}.${group}.dlq`;

/** Every producer is idempotent (see the file's header). */
export const idempotentWrite: Acl = { resource: { type: 'cluster' }, operations: ['IdempotentWrite'] };

export const producerAcls = (topic: string): Acl[] => [
  { resource: { type: 'topic', name: topic }, operations: ['Write', 'Describe'], comment: `Publishes to ${topic}.` },
  idempotentWrite,
];

/** A consumer joins and commits as its group: from its first start, before it consumes any event. */
export const groupAcl = (group: string): Acl => ({
  resource: { type: 'group', name: group },
  operations: ['Read', 'Describe'],
  comment: `Runs consumer group ${group}.`,
});

/** A consumer reads the topic, commits as its group and writes its own dead-letter topic. */
export const consumerAcls = (topic: string, group: string): Acl[] => [
  {
    resource: { type: 'topic', name: topic },
    operations: ['Read', 'Describe'],
    comment: `Consumes ${topic} as group ${group}.`,
  },
  groupAcl(group),
  { resource: { type: 'topic', name: deadLetterTopic(topic, group) }, operations: ['Write', 'Describe'] },
  idempotentWrite,
];

function kafkaUser(service: string): Document {
  return parseDocument(`apiVersion: kafka.strimzi.io/v1
kind: KafkaUser
metadata:
  name: ${service}
  labels:
    strimzi.io/cluster: ${KAFKA_CLUSTER}
spec:
  authentication:
    type: scram-sha-512
  authorization:
    type: simple
    acls: []
`);
}

const sameResource = (item: YAMLMap, acl: Acl): boolean => {
  const resource = item.get('resource') as YAMLMap | undefined;
  return (
    isMap(resource) &&
    resource.get('type') === acl.resource.type &&
    (resource.get('name') ?? undefined) === acl.resource.name &&
    (resource.get('patternType') ?? 'literal') === 'literal'
  );
};

/** Adds the grants the service lacks: operations to a resource it has, or a new entry (and the user if it is new). */
export function grantKafkaUser(tree: Tree, service: string, acls: readonly Acl[]): void {
  editYamlDocuments(tree, KAFKA_USERS_FILE, (documents) => {
    let user = findObject(documents, 'KafkaUser', service);
    if (!user) {
      user = kafkaUser(service);
      documents.push(user);
    }
    addAcls(user, service, acls);
  });
}

function addAcls(user: Document, service: string, acls: readonly Acl[]): void {
  const list = user.getIn(['spec', 'authorization', 'acls']) as YAMLSeq<YAMLMap>;
  if (!isSeq(list)) throw new Error(`${KAFKA_USERS_FILE}: KafkaUser ${service} has no spec.authorization.acls list`);
  list.flow = false;
  for (const acl of acls) {
    const existing = list.items.find((item) => sameResource(item, acl));
    if (existing) {
      const operations = existing.get('operations') as YAMLSeq<unknown>;
      const granted = operations.toJSON() as string[];
      for (const operation of acl.operations) if (!granted.includes(operation)) operations.add(operation);
      continue;
    }
    const resource = user.createNode(
      acl.resource.type === 'cluster'
        ? { type: 'cluster' }
        : { type: acl.resource.type, name: acl.resource.name, patternType: 'literal' },
      { flow: true },
    );
    const item = user.createNode({ resource, operations: user.createNode([...acl.operations], { flow: true }) });
    if (acl.comment) item.commentBefore = ` ${acl.comment}`;
    // The cluster grant stays last, as in the hand-written users.
    const clusterIndex = list.items.findIndex((candidate) => sameResource(candidate, idempotentWrite));
    if (clusterIndex >= 0 && acl.resource.type !== 'cluster') list.items.splice(clusterIndex, 0, item);
    else list.items.push(item);
  }
}
