import type { PartitionOffsets } from '../client/kafka-ports';

export interface PartitionLag extends PartitionOffsets {
  readonly lag: number;
}

export interface GroupLag {
  readonly groupId: string;
  readonly totalLag: number;
  readonly partitions: readonly PartitionLag[];
}

/**
 * Records the group still has to read, per partition: from its committed offset (from the log start when it has
 * committed nothing: -1, or -2 right after a reset to earliest) to the log end. A committed offset below the log
 * start (retention deleted records the group never read) counts from the log start: those records are gone.
 */
export function groupLag(groupId: string, offsets: readonly PartitionOffsets[]): GroupLag {
  const partitions = offsets.map((offsets) => {
    const start = BigInt(offsets.logStart);
    const end = BigInt(offsets.logEnd);
    const committed = BigInt(offsets.committed);
    const position = committed > start ? committed : start;
    return { ...offsets, lag: Number(end > position ? end - position : 0n) };
  });
  return { groupId, totalLag: partitions.reduce((sum, { lag }) => sum + lag, 0), partitions };
}

/** Whether the group has ever committed on the topic, i.e. it reads it (or did). */
export const hasCommitted = (offsets: readonly PartitionOffsets[]): boolean =>
  offsets.some(({ committed }) => BigInt(committed) >= 0n);
