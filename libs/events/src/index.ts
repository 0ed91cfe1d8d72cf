export {
  SIGNUP_ANALYTICS_CHANGELOG_TOPIC,
  USER_EVENTS_TOPIC,
  USER_SIGNUPS_BY_DOMAIN_TOPIC,
  USER_SIGNUPS_PER_MINUTE_TOPIC,
  USER_KEYS_TOPIC,
  deadLetterTopic,
} from './topics';
export { EVENT_TYPES, isEventType, readSchema, schemaVersions } from './schemas';
export type { EventType } from './schemas';
export { CONSUMER_GROUPS, catalogEntry, eventCatalog, subjectFor } from './catalog';
export type {
  AnyEventCatalogEntry,
  ConsumerGroup,
  EventCatalogEntry,
  EventPayload,
  EventVersion,
  LatestEventPayload,
  LatestVersion,
} from './catalog';
export { topicSpecs } from './topic-specs';
export type { TopicSpec, TopicSpecOptions } from './topic-specs';
// Payload interfaces per event version, EventPayloads and LATEST_VERSIONS: whatever the schemas define.
export * from './generated/event-types.generated';
