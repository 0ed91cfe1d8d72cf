/** One topic per aggregate keeps per-user order across every user event type. */
export const USER_EVENTS_TOPIC = 'user-events';

/** Each consumer group gets its own dead-letter topic, so one group's poison records never touch another's. */
export const deadLetterTopic = (topic: string, group: string): string => `${topic}.${group}.dlq`;

/** Signups per minute and locale, in tumbling windows of event time: signup-analytics' aggregate, compacted. */
export const USER_SIGNUPS_PER_MINUTE_TOPIC = 'user-signups-per-minute';

/** new_user events of watched email domains, re-published by signup-analytics' stream filter. */
export const USER_SIGNUPS_BY_DOMAIN_TOPIC = 'user-signups-by-domain';

/**
 * signup-analytics' window state (open windows' counts, each input partition's watermark), written in the same
 * transaction as its results and offsets, so a restarted or new instance resumes exactly where the last commit was.
 * Compacted: only each key's latest value matters, and a closed window's tombstone removes it.
 */
export const SIGNUP_ANALYTICS_CHANGELOG_TOPIC = 'signup-analytics.window-state.changelog';

/**
 * Each user's data key for crypto-shredding, keyed by userId: compacted, so it holds one key per user, and a
 * deletion's tombstone removes the key for good. Only the user-service writes it and only services that decrypt
 * personal fields read it (the KafkaUser ACLs of the prod overlay).
 */
export const USER_KEYS_TOPIC = 'user-keys';
