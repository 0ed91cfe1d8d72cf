import type { EventPayloads, LATEST_VERSIONS } from './generated/event-types.generated';
import { EVENT_TYPES, isEventType, type EventType } from './schemas';
import {
  USER_EVENTS_TOPIC,
  USER_KEYS_TOPIC,
  USER_SIGNUPS_BY_DOMAIN_TOPIC,
  USER_SIGNUPS_PER_MINUTE_TOPIC,
} from './topics';

/** The consumer groups that read events; each keeps its own offsets and its own dead-letter topic. */
export const CONSUMER_GROUPS = ['email-service', 'dashboard-service'] as const;
export type ConsumerGroup = (typeof CONSUMER_GROUPS)[number];

/** The schema versions of an event that have a generated payload type. */
export type EventVersion<T extends EventType> = keyof EventPayloads[T] & number;
/** The newest schema version of an event: the one producers write. */
export type LatestVersion<T extends EventType> = (typeof LATEST_VERSIONS)[T];
/** The payload of one version of an event. */
export type EventPayload<T extends EventType, V extends EventVersion<T>> = EventPayloads[T][V];
/** The payload producers write today: the latest version's. */
export type LatestEventPayload<T extends EventType> = EventPayload<T, LatestVersion<T> & EventVersion<T>>;

/**
 * What the platform knows about one event type. The types tie the entry to the generated payload types, so a
 * version without a schema, a stale latest version or a key field some version lacks fails to compile.
 */
export interface EventCatalogEntry<T extends EventType> {
  /** The wire name, carried in the event-type header. */
  readonly type: T;
  readonly topic: string;
  /** The payload field used as record key, so all events of one user land on one partition, in order. */
  readonly keyField: keyof EventPayload<T, EventVersion<T>> & string;
  readonly versions: readonly EventVersion<T>[];
  readonly latestVersion: LatestVersion<T>;
  /** The Avro record's full name (namespace.name), the same in every version. */
  readonly recordName: string;
  /** The service that owns and publishes the event. */
  readonly producer: string;
  readonly consumerGroups: readonly ConsumerGroup[];
  /**
   * 'compact' for a topic whose records are the latest value per key (a windowed aggregate): compaction keeps
   * one record per key however long it runs. Absent: the topic keeps every event (see topic-specs).
   */
  readonly cleanupPolicy?: 'compact';
  /**
   * The producer may publish a tombstone (a null value) for a key of this compacted topic instead of a payload:
   * compaction then removes every earlier record of the key. Only for `cleanupPolicy: 'compact'`.
   */
  readonly tombstoneWhenDeleted?: true;
}

/** The entry of any one event type, for code that learns the type only at run time. */
export type AnyEventCatalogEntry = { [T in EventType]: EventCatalogEntry<T> }[EventType];

const NAMESPACE = 'dev.kafkaplatform.users';
const ANALYTICS_NAMESPACE = 'dev.kafkaplatform.analytics';

/** Every event type: where it goes, how it is keyed, its schema versions, who writes and who reads it. */
export const eventCatalog: { readonly [T in EventType]: EventCatalogEntry<T> } = {
  new_user: {
    type: 'new_user',
    topic: USER_EVENTS_TOPIC,
    keyField: 'userId',
    versions: [1, 2, 3],
    latestVersion: 3,
    recordName: `${NAMESPACE}.NewUser`,
    producer: 'user-service',
    consumerGroups: ['email-service', 'dashboard-service'],
  },
  user_updated: {
    type: 'user_updated',
    topic: USER_EVENTS_TOPIC,
    keyField: 'userId',
    versions: [1, 2],
    latestVersion: 2,
    recordName: `${NAMESPACE}.UserUpdated`,
    producer: 'user-service',
    consumerGroups: ['dashboard-service'],
  },
  user_deleted: {
    type: 'user_deleted',
    topic: USER_EVENTS_TOPIC,
    keyField: 'userId',
    versions: [1],
    latestVersion: 1,
    recordName: `${NAMESPACE}.UserDeleted`,
    producer: 'user-service',
    consumerGroups: ['email-service', 'dashboard-service'],
  },
  // Derived events: signup-analytics computes them from user-events (apps/signup-analytics).
  signups_per_minute: {
    type: 'signups_per_minute',
    topic: USER_SIGNUPS_PER_MINUTE_TOPIC,
    keyField: 'windowKey',
    versions: [1],
    latestVersion: 1,
    recordName: `${ANALYTICS_NAMESPACE}.SignupsPerMinute`,
    producer: 'signup-analytics',
    // The dashboard's signups-per-minute panel (apps/dashboard-service, read_committed like every platform consumer).
    consumerGroups: ['dashboard-service'],
    cleanupPolicy: 'compact',
  },
  signup_by_domain: {
    type: 'signup_by_domain',
    topic: USER_SIGNUPS_BY_DOMAIN_TOPIC,
    keyField: 'userId',
    versions: [1, 2],
    latestVersion: 2,
    recordName: `${ANALYTICS_NAMESPACE}.SignupByDomain`,
    producer: 'signup-analytics',
    consumerGroups: [],
  },
  // Crypto-shredding: each user's data key, read in full by every service that decrypts personal fields
  // (libs/kafka's UserKeyStore, no consumer group of the catalog's); deleting the user tombstones it.
  user_key: {
    type: 'user_key',
    topic: USER_KEYS_TOPIC,
    keyField: 'userId',
    versions: [1],
    latestVersion: 1,
    recordName: `${NAMESPACE}.UserKey`,
    producer: 'user-service',
    consumerGroups: [],
    cleanupPolicy: 'compact',
    tombstoneWhenDeleted: true,
  },
};

/** The catalog entry of an event type; throws for a type the catalog does not know, e.g. from a foreign header. */
export function catalogEntry<T extends EventType>(type: T): EventCatalogEntry<T>;
export function catalogEntry(type: string): AnyEventCatalogEntry;
export function catalogEntry(type: string): AnyEventCatalogEntry {
  if (!isEventType(type)) throw new Error(`Unknown event type "${type}"; the catalog knows ${EVENT_TYPES.join(', ')}`);
  return eventCatalog[type];
}

/**
 * The schema registry subject of an event type, by TopicRecordNameStrategy: `<topic>-<record full name>`.
 * Several event types share one topic (for per-user order), so the default TopicNameStrategy (`<topic>-value`)
 * would put NewUser, UserUpdated and UserDeleted into one subject and demand each be compatible with the other.
 * One subject per record and topic lets each event evolve on its own compatibility chain.
 *
 * `topic` is the topic the record really goes to, when that is not the catalog's own (a KAFKA_NAMESPACE prefix,
 * see libs/kafka's catalogContract): without it, the contract's subjects, `user-events-<record full name>`.
 */
export function subjectFor(type: EventType, topic?: string): string {
  const entry = catalogEntry(type);
  return `${topic ?? entry.topic}-${entry.recordName}`;
}
