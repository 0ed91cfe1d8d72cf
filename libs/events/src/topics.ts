/** One topic per aggregate keeps per-user order across every user event type. */
export const USER_EVENTS_TOPIC = 'user-events';

/** Each consumer group gets its own dead-letter topic, so one group's poison records never touch another's. */
export const deadLetterTopic = (topic: string, group: string): string => `${topic}.${group}.dlq`;
