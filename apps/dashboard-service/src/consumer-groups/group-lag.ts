import type { PartitionOffsets } from '@kafka-platform/kafka';

export interface PartitionLag {
  readonly partition: number;
  /** "-1" (or another negative marker, e.g. "-2" right after a reset to earliest) when nothing is committed. */
  readonly committed: string;
  readonly logEnd: string;
  readonly lag: number;
}

export interface GroupLag {
  readonly groupId: string;
  readonly totalLag: number;
  readonly partitions: readonly PartitionLag[];
}

/** Records the group still has to read: log end minus committed offset, the whole partition when nothing is. */
export function groupLag(groupId: string, offsets: readonly PartitionOffsets[]): GroupLag {
  const partitions = offsets.map(({ partition, committed, logEnd }) => {
    const end = BigInt(logEnd);
    const position = BigInt(committed);
    const lag = position < 0n ? end : end > position ? end - position : 0n;
    return { partition, committed, logEnd, lag: Number(lag) };
  });
  return { groupId, totalLag: partitions.reduce((sum, { lag }) => sum + lag, 0), partitions };
}

/** Whether the group has ever committed on the topic, i.e. it reads it (or did). */
export const hasCommitted = (offsets: readonly PartitionOffsets[]): boolean =>
  offsets.some(({ committed }) => BigInt(committed) >= 0n);
