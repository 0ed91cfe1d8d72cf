import type { SchemaSource } from '../codec/avro-codec';

/** What the plumbing needs to know of the event catalog (libs/events implements it via catalogContract()). */
export interface EventContract extends SchemaSource {
  topicOf(type: string): string;
  keyOf(type: string, payload: unknown): string;
  latestVersion(type: string): number;
  /** Topics the given consumer group reads, from the catalog's consumers. */
  topicsFor(group: string): string[];
  deadLetterTopic(topic: string, group: string): string;
  /** Whether a null payload of this type goes out as a tombstone (the catalog's `tombstoneWhenDeleted`). */
  allowsTombstone?(type: string): boolean;
}
