import {
  catalogEntry,
  deadLetterTopic,
  eventCatalog,
  readSchema,
  subjectFor,
  topicSpecs,
} from '@kafka-platform/events';
import type { AnyEventCatalogEntry } from '@kafka-platform/events';
import type { TopicSpec } from '../client/kafka-ports';
import type { KafkaConfig } from '../config/kafka-config';
import { PlatformError } from '@kafka-platform/core';
import type { EventContract } from './event-contract';

function entry(type: string): AnyEventCatalogEntry {
  try {
    return catalogEntry(type);
  } catch (error) {
    throw new PlatformError('UNKNOWN_EVENT_TYPE', (error as Error).message, false, { cause: error });
  }
}

/** `<namespace>.<name>`, or the name itself without a namespace (see KAFKA_NAMESPACE). */
export const namespaced = (namespace: string | undefined, name: string): string =>
  namespace ? `${namespace}.${name}` : name;

/**
 * The event catalog of libs/events, as the plumbing consumes it. Topics carry the namespace, if any, and so do
 * subjects: TopicRecordNameStrategy on the topic the record really goes to (`<namespace>.user-events-<record>`),
 * so namespaces sharing one registry never share a compatibility chain. No namespace: the contract's subjects.
 */
export function catalogContract(namespace?: string): EventContract {
  return {
    readSchema: (type, version) => {
      const known = entry(type);
      if (!(known.versions as readonly number[]).includes(version)) {
        throw new PlatformError('UNKNOWN_SCHEMA_VERSION', `${type} has no schema version ${version}`, false);
      }
      return readSchema(known.type, version);
    },
    subjectFor: (type) => {
      const known = entry(type);
      return subjectFor(known.type, namespaced(namespace, known.topic));
    },
    topicOf: (type) => namespaced(namespace, entry(type).topic),
    latestVersion: (type) => entry(type).latestVersion,
    allowsTombstone: (type) => entry(type).tombstoneWhenDeleted === true,
    keyOf: (type, payload) => {
      const field = entry(type).keyField;
      const key = (payload as Record<string, unknown> | null)?.[field];
      if (typeof key !== 'string' || key.length === 0) {
        throw new PlatformError('INVALID_PAYLOAD', `${type} payload has no ${field} to key the record by`, false);
      }
      return key;
    },
    topicsFor: (group) => [
      ...new Set(
        Object.values(eventCatalog)
          .filter((known) => (known.consumerGroups as readonly string[]).includes(group))
          .map((known) => namespaced(namespace, known.topic)),
      ),
    ],
    deadLetterTopic,
  };
}

/** The catalog's topics for this cluster: replication from config, else as much as the cluster has, up to 3. */
export function catalogTopicSpecs(topics: KafkaConfig['topics'], brokerCount: number): TopicSpec[] {
  return topicSpecs({
    replicationFactor: topics.replicationFactor ?? Math.min(3, brokerCount),
    ...(topics.minInsyncReplicas && { minInsyncReplicas: topics.minInsyncReplicas }),
  }).map((spec) => ({ ...spec, topic: namespaced(topics.namespace, spec.topic) }));
}
