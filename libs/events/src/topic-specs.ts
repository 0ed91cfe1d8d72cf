import { eventCatalog, type ConsumerGroup } from './catalog';
import { SIGNUP_ANALYTICS_CHANGELOG_TOPIC, deadLetterTopic } from './topics';

/** A topic to create: what an admin client or a Strimzi KafkaTopic needs. */
export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicSpecOptions {
  /** Copies of each partition; 3 by default, 1 on a single local broker. */
  replicationFactor?: number;
  /** Replicas that must have a write before acks=all succeeds; min(2, replicationFactor) by default. */
  minInsyncReplicas?: number;
}

// Adding partitions later moves keys to other partitions and breaks per-user order, so event topics get room to
// grow up front: up to 6 instances of each consuming service share the load.
const EVENT_TOPIC_PARTITIONS = 6;
// Dead-letter records wait for a person to inspect and replay them; they need little parallelism.
const DLQ_PARTITIONS = 3;
const DLQ_RETENTION_MS = 14 * 24 * 60 * 60 * 1000;
// Event topics are kept forever: projections (the dashboard's) are rebuilt by replaying from the earliest offset,
// which needs every event. A fork that keeps personal data must set a retention, or use compaction with
// tombstones on deletion, so a user's data can actually be erased.
const KEEP_FOREVER = -1;
// A topic whose tombstones erase (user-keys): compaction must remove a tombstoned key's earlier records within a
// bound, not whenever the dirty ratio happens to call for it (a compacted topic's active segment also rolls at this
// lag), and the tombstone itself stays, so a reader tells an erased key from one not yet published.
const ERASURE_CONFIGS = {
  'max.compaction.lag.ms': String(10 * 60 * 1000),
  'delete.retention.ms': '9223372036854775807',
};
// A stream processor's state store: read in full on every start, so it has as few partitions as its writer needs
// (signup-analytics runs one active instance; see apps/signup-analytics).
const CHANGELOG_PARTITIONS = 1;
// Topics of stream processors' own state, not events: created with the catalog's, compacted.
const STATE_TOPICS = [SIGNUP_ANALYTICS_CHANGELOG_TOPIC];

/** Every topic the catalog needs: each event topic, and a dead-letter topic per group that consumes from it. */
export function topicSpecs(options: TopicSpecOptions = {}): TopicSpec[] {
  const { replicationFactor, minInsyncReplicas } = replication(options);
  const spec = (topic: string, partitions: number, retention: number | 'compact'): TopicSpec => ({
    topic,
    partitions,
    replicationFactor,
    configs: {
      // Compaction keeps the latest record per key forever and drops the older ones (and tombstoned keys).
      ...(retention === 'compact'
        ? { 'cleanup.policy': 'compact', ...(erasable(topic) && ERASURE_CONFIGS) }
        : { 'cleanup.policy': 'delete', 'retention.ms': String(retention) }),
      'min.insync.replicas': String(minInsyncReplicas),
    },
  });
  return [
    ...eventTopics().flatMap((topic) => [
      spec(topic, EVENT_TOPIC_PARTITIONS, compacted(topic) ? 'compact' : KEEP_FOREVER),
      ...groupsConsuming(topic).map((group) => spec(deadLetterTopic(topic, group), DLQ_PARTITIONS, DLQ_RETENTION_MS)),
    ]),
    ...STATE_TOPICS.map((topic) => spec(topic, CHANGELOG_PARTITIONS, 'compact')),
  ];
}

// With acks=all, two in-sync replicas keep every acknowledged write through the loss of one broker.
function replication({
  replicationFactor = 3,
  minInsyncReplicas = Math.min(2, replicationFactor),
}: TopicSpecOptions): Required<TopicSpecOptions> {
  assertCount('replicationFactor', replicationFactor);
  assertCount('minInsyncReplicas', minInsyncReplicas);
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(
      `minInsyncReplicas (${minInsyncReplicas}) must not exceed replicationFactor (${replicationFactor}): no write could be acknowledged`,
    );
  }
  return { replicationFactor, minInsyncReplicas };
}

function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number of at least 1, got ${value}`);
  }
}

const entries = () => Object.values(eventCatalog);

const eventTopics = (): string[] => [...new Set(entries().map((entry) => entry.topic))];

const erasable = (topic: string): boolean =>
  entries().some((entry) => entry.topic === topic && 'tombstoneWhenDeleted' in entry && entry.tombstoneWhenDeleted);

const compacted = (topic: string): boolean =>
  entries().some((entry) => entry.topic === topic && entry.cleanupPolicy === 'compact');

function groupsConsuming(topic: string): ConsumerGroup[] {
  const groups = entries().flatMap((entry) => (entry.topic === topic ? entry.consumerGroups : []));
  return [...new Set(groups)];
}
