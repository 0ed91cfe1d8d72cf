import type { PartitionOffsets } from '@kafka-platform/kafka';
import type { Handover } from '../generations/generation';

/** A group's offsets on one partition of one of the topics it reads (the topic with its namespace, if any). */
export interface TopicPartitionOffsets extends PartitionOffsets {
  readonly topic: string;
}

export interface RebuildPartition {
  readonly topic: string;
  readonly partition: number;
  /** The partition's end (high watermark) when the rebuild started: the rebuild applies the records below it. */
  readonly handover: string;
  /** The group's committed offset ("-1": nothing yet). */
  readonly committed: string;
  /** Records below the handover the group has still to read. */
  readonly lag: number;
}

export interface RebuildProgress {
  readonly lag: number;
  readonly partitions: readonly RebuildPartition[];
  /** The group has committed up to the handover offsets on every partition (everything below them is applied). */
  readonly reached: boolean;
}

const MAIN_TOPIC = /(?:^|\.)user-events$/;

/**
 * A partition's key in a handover: the partition alone on user-events, as handovers were written while the group
 * read only that topic (a generation being built across an upgrade keeps its meaning), `<topic>:<partition>` on
 * any other topic the group reads (the derived user-signups-per-minute).
 */
export const handoverKey = (topic: string, partition: number): string =>
  MAIN_TOPIC.test(topic) ? String(partition) : `${topic}:${partition}`;

/** Each partition's end now: the handover, when read after the generation's creation committed. */
export const handoverOf = (offsets: readonly TopicPartitionOffsets[]): Handover =>
  Object.fromEntries(offsets.map(({ topic, partition, logEnd }) => [handoverKey(topic, partition), logEnd]));

/** How far a consumer group is from the handover offsets, per partition and in total. */
export function progressTo(handover: Handover, offsets: readonly TopicPartitionOffsets[]): RebuildProgress {
  const partitions = offsets
    .filter(({ topic, partition }) => handover[handoverKey(topic, partition)] !== undefined)
    .map(({ topic, partition, committed }) => {
      const end = handover[handoverKey(topic, partition)] as string;
      const position = BigInt(committed) < 0n ? 0n : BigInt(committed);
      const lag = BigInt(end) > position ? Number(BigInt(end) - position) : 0;
      return { topic, partition, handover: end, committed, lag };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const lag = partitions.reduce((sum, partition) => sum + partition.lag, 0);
  return { lag, partitions, reached: lag === 0 && partitions.length === Object.keys(handover).length };
}
