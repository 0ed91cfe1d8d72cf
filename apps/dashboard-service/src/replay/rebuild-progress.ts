import type { PartitionOffsets } from '@kafka-platform/kafka';
import type { Handover } from '../generations/generation';

export interface RebuildPartition {
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

/** How far a consumer group is from the handover offsets, per partition and in total. */
export function progressTo(handover: Handover, offsets: readonly PartitionOffsets[]): RebuildProgress {
  const partitions = Object.entries(handover)
    .map(([partition, end]) => {
      const committed = offsets.find((offset) => offset.partition === Number(partition))?.committed ?? '-1';
      const position = BigInt(committed) < 0n ? 0n : BigInt(committed);
      const lag = BigInt(end) > position ? Number(BigInt(end) - position) : 0;
      return { partition: Number(partition), handover: end, committed, lag };
    })
    .sort((a, b) => a.partition - b.partition);
  const lag = partitions.reduce((sum, partition) => sum + partition.lag, 0);
  return { lag, partitions, reached: lag === 0 };
}
