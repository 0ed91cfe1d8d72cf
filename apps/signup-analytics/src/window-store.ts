import { NEVER_IDLE, Watermarks } from './watermarks';
import type { IdleOptions } from './watermarks';

/** One tumbling window's count for one locale. */
export interface WindowCount {
  readonly windowStart: number;
  readonly locale: string;
  readonly count: number;
}

/** What one batch changed: windows still open with a new count, and windows that closed (their final count). */
export interface WindowChanges {
  readonly updated: WindowCount[];
  readonly closed: WindowCount[];
}

/** A changelog record: the latest value per key wins on restore; a null value (tombstone) deletes the key. */
export interface StateRecord {
  readonly key: string;
  readonly value: string | null;
}

export const WINDOW_MS = 60_000;

const WINDOW_PREFIX = 'window|';
const WATERMARK_PREFIX = 'watermark|';
const POSITION_PREFIX = 'position|';
const FLOOR_KEY = 'watermark-floor';

/** `<windowStart ISO>|<locale>`: the result topic's key, one per window and locale. */
export const windowKey = (windowStart: number, locale: string): string =>
  `${new Date(windowStart).toISOString()}|${locale}`;

/**
 * Signups per minute and locale in tumbling windows of event time, with a grace period for late events.
 *
 * The watermark is the smallest of the input partitions' largest event times (see Watermarks): each partition is
 * in event-time order (one producer, per key), but partitions are read at different speeds, so a fast one must not
 * close a window a slow one still feeds; a partition idle for longer than the idle timeout stops holding it back.
 * A window closes once the watermark passes windowEnd + grace; an event for a closed window is late: dropped and
 * counted, never reopening a final count.
 */
export class WindowStore {
  private readonly counts = new Map<string, WindowCount>();
  private readonly watermarks: Watermarks;
  private savedFloor = Number.NEGATIVE_INFINITY;
  private readonly touched = new Set<string>();
  private readonly dirtyWatermarks = new Set<number>();
  // Each input partition's next offset as of this state. Kept in the state (and its changelog), not only in the
  // group's committed offsets: after a rebalance kafkajs fetches the committed offset without waiting for a
  // transaction still open in this process (no KIP-447 requireStable), so a batch can come again after it was
  // counted; the position makes a repeat a no-op.
  private readonly positions = new Map<number, number>();
  private readonly dirtyPositions = new Set<number>();
  lateDropped = 0;

  constructor(
    private readonly graceMs: number,
    partitions: number,
    idle: IdleOptions = NEVER_IDLE,
  ) {
    this.watermarks = new Watermarks(partitions, idle);
  }

  /** Whether a record at this offset is not in the state yet. */
  isNew(partition: number, offset: number): boolean {
    return offset >= (this.positions.get(partition) ?? 0);
  }

  /** Records that the state now covers a partition up to `nextOffset` (exclusive). */
  consumed(partition: number, nextOffset: number): void {
    this.positions.set(partition, nextOffset);
    this.dirtyPositions.add(partition);
  }

  /** The partition brought a batch: it is not idle (see Watermarks.touch). */
  active(partition: number): void {
    this.watermarks.touch(partition);
  }

  /** Counts one signup; false when it is late (its window closed already) and was dropped. */
  add(partition: number, eventTime: number, locale: string): boolean {
    if (this.watermarks.observe(partition, eventTime)) this.dirtyWatermarks.add(partition);
    const windowStart = eventTime - (eventTime % WINDOW_MS);
    if (this.isClosed(windowStart)) {
      this.lateDropped++;
      return false;
    }
    const key = windowKey(windowStart, locale);
    const count = (this.counts.get(key)?.count ?? 0) + 1;
    this.counts.set(key, { windowStart, locale, count });
    this.touched.add(key);
    return true;
  }

  /** The watermark; -Infinity while an active partition has sent nothing (see Watermarks). */
  watermark(): number {
    return this.watermarks.current();
  }

  /** Ends a batch: what changed since the last call, closed windows removed from memory. */
  drain(): { changes: WindowChanges; changelog: StateRecord[] } {
    // Closes by the watermark as of now, and keeps it (in the changelog too) for every later decision.
    this.watermarks.settle();
    const closed = [...this.counts.entries()].filter(([, window]) => this.isClosed(window.windowStart));
    for (const [key] of closed) this.counts.delete(key);
    // Closed windows were just removed: what is left of the touched ones is still open.
    const updated = [...this.counts.entries()].filter(([key]) => this.touched.has(key)).map(([, window]) => window);
    const changelog: StateRecord[] = [
      ...updated.map((window) => ({
        key: WINDOW_PREFIX + windowKey(window.windowStart, window.locale),
        value: JSON.stringify(window),
      })),
      ...closed.map(([key]) => ({ key: WINDOW_PREFIX + key, value: null })),
      ...[...this.dirtyWatermarks].map((partition) => ({
        key: `${WATERMARK_PREFIX}${partition}`,
        value: String(this.watermarks.of(partition)),
      })),
      ...this.floorChange(),
      ...[...this.dirtyPositions].map((partition) => ({
        key: `${POSITION_PREFIX}${partition}`,
        value: String(this.positions.get(partition)),
      })),
    ];
    this.dirtyPositions.clear();
    this.touched.clear();
    this.dirtyWatermarks.clear();
    return { changes: { updated, closed: closed.map(([, window]) => window) }, changelog };
  }

  /** Replays one changelog record (restore at start-up): the state as of the last committed transaction. */
  restore(record: StateRecord): void {
    if (record.key.startsWith(POSITION_PREFIX)) {
      this.positions.set(Number(record.key.slice(POSITION_PREFIX.length)), Number(record.value));
    } else if (record.key.startsWith(WATERMARK_PREFIX)) {
      this.watermarks.restorePartition(Number(record.key.slice(WATERMARK_PREFIX.length)), Number(record.value));
    } else if (record.key === FLOOR_KEY) {
      this.savedFloor = Number(record.value);
      this.watermarks.restoreFloor(this.savedFloor);
    } else if (record.key.startsWith(WINDOW_PREFIX)) {
      const key = record.key.slice(WINDOW_PREFIX.length);
      if (record.value === null) this.counts.delete(key);
      else this.counts.set(key, JSON.parse(record.value) as WindowCount);
    }
  }

  /** Open windows, for logs and tests. */
  openWindows(): WindowCount[] {
    return [...this.counts.values()];
  }

  private isClosed(windowStart: number): boolean {
    return windowStart + WINDOW_MS + this.graceMs <= this.watermark();
  }

  /** The watermark's floor, when it rose: a restart must not lower what the closed windows were closed by. */
  private floorChange(): StateRecord[] {
    const floor = this.watermarks.lowest;
    if (floor <= this.savedFloor) return [];
    this.savedFloor = floor;
    return [{ key: FLOOR_KEY, value: String(floor) }];
  }
}
