export { USER_EVENTS_TOPIC, deadLetterTopic } from './topics';
export { EVENT_TYPES, readSchema } from './schemas';
export type { EventType } from './schemas';
