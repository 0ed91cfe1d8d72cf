/** How the watermark treats partitions that bring no signups. */
export interface IdleOptions {
  /** A partition without records for this long (wall clock) stops holding the watermark back; Infinity: never. */
  readonly idleTimeoutMs: number;
  /** The wall clock, in milliseconds (tests pass their own). */
  readonly now: () => number;
}

export const NEVER_IDLE: IdleOptions = { idleTimeoutMs: Number.POSITIVE_INFINITY, now: Date.now };

/**
 * The event-time watermark over the input partitions: the smallest of the active partitions' largest event times.
 *
 * A partition that has brought no records for `idleTimeoutMs` (or none since the start) is idle and left out, so a
 * partition without traffic (few users, more partitions than keys) does not keep every window open forever. When
 * every partition is idle, the largest event time seen is the watermark: nothing older is expected any more.
 * Leaving one out can make the watermark jump, so it never goes back (`floor`): an idle partition that wakes up
 * with old events finds their windows closed, and those events are dropped as late, never reopening a final count.
 */
export class Watermarks {
  private readonly latest = new Map<number, number>();
  private readonly lastSeenAt = new Map<number, number>();
  private readonly since: number;
  private floor = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly partitions: number,
    private readonly idle: IdleOptions = NEVER_IDLE,
  ) {
    // Idleness counts from the start: after a restore, every partition gets the full timeout to show up again.
    this.since = idle.now();
  }

  /** The watermark now: never lower than any value it returned before. */
  current(): number {
    return Math.max(this.floor, this.computed());
  }

  /** Fixes the watermark reached so far as its floor: windows closed by it stay closed, whatever wakes up later. */
  settle(): number {
    this.floor = this.current();
    return this.floor;
  }

  /**
   * The partition brought records (a batch, signups or not): it is active, whatever its records' event times. Any
   * batch counts, not only signups, so a partition still being read through a backlog is never taken for idle.
   */
  touch(partition: number): void {
    // Waking an idle partition may lower the computed value: what the watermark reached so far stays.
    this.settle();
    this.lastSeenAt.set(partition, this.idle.now());
  }

  /** A signup with this event time arrived on the partition; true when the partition's largest event time moved. */
  observe(partition: number, eventTime: number): boolean {
    this.touch(partition);
    if (eventTime <= (this.latest.get(partition) ?? Number.NEGATIVE_INFINITY)) return false;
    this.latest.set(partition, eventTime);
    return true;
  }

  /** A partition's largest event time (for the changelog). */
  of(partition: number): number | undefined {
    return this.latest.get(partition);
  }

  /** The lowest value the watermark may take (for the changelog: a restart must not lower it either). */
  get lowest(): number {
    return this.floor;
  }

  /** Restores a partition's largest event time, as the changelog recorded it. */
  restorePartition(partition: number, eventTime: number): void {
    this.latest.set(partition, eventTime);
  }

  restoreFloor(value: number): void {
    this.floor = Math.max(this.floor, value);
  }

  private computed(): number {
    const now = this.idle.now();
    const active = this.allPartitions().filter((partition) => !this.isIdle(partition, now));
    if (active.length === 0) return Math.max(...this.latest.values());
    return Math.min(...active.map((partition) => this.latest.get(partition) ?? Number.NEGATIVE_INFINITY));
  }

  private isIdle(partition: number, now: number): boolean {
    return now - (this.lastSeenAt.get(partition) ?? this.since) >= this.idle.idleTimeoutMs;
  }

  private allPartitions(): number[] {
    return Array.from({ length: this.partitions }, (_, partition) => partition);
  }
}
