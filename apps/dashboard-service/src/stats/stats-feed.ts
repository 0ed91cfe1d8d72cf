import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';
import { ProjectionChanges } from '../projections/projection-changes';
import type { HandledEvent, ProjectionChange } from '../projections/projection-changes';
import { StatsQuery } from './stats.query';
import type { Stats } from './stats';

/** Fresh stats after a change, with the events handled since the previous update. */
export interface StatsUpdate {
  readonly stats: Stats;
  readonly handled: readonly HandledEvent[];
  /** The read model was rebuilt from scratch (a replay), not only added to. */
  readonly rebuilt: boolean;
}

/**
 * The one copy of the stats every reader of this replica shares: read once per change, never per request or per
 * client. The changes are every replica's (ProjectionChanges), so all replicas serve the same stats and stream
 * every partition's events. Changes that arrive while a read runs are folded into the next read, so a burst of
 * events (a rebuild) costs a few reads, not one per event; each event is still announced, with the stats that
 * include it. While the LISTEN connection is down a change could go unheard, so requests read the database.
 */
@Injectable()
export class StatsFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(StatsFeed.name);
  private readonly subject = new Subject<StatsUpdate>();
  readonly updates$ = this.subject.asObservable();
  private snapshot?: Stats;
  private pending: ProjectionChange[] = [];
  // Reads run one at a time, so a slow older read can never overwrite a newer snapshot.
  private reads: Promise<unknown> = Promise.resolve();
  private latestRead?: Promise<Stats>;
  private draining = false;

  constructor(
    private readonly query: StatsQuery,
    private readonly changes: ProjectionChanges,
  ) {
    changes.changes$.subscribe((change) => this.onChange(change));
  }

  /** The latest snapshot while changes are heard; else, or when there is none yet, read from the database. */
  current(): Promise<Stats> {
    if (this.snapshot && this.changes.listening) return Promise.resolve(this.snapshot);
    return this.latestRead ?? this.read();
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }

  private onChange(change: ProjectionChange): void {
    this.pending.push(change);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const changes = this.pending.splice(0);
        const stats = await this.read();
        this.subject.next({
          stats,
          handled: changes.flatMap((change) => (change.kind === 'handled' ? [change.event] : [])),
          // After a gap in what was heard the page gets the whole stats again, as after a rebuild.
          rebuilt: changes.some((change) => change.kind !== 'handled'),
        });
      }
    } catch (error) {
      // The next change or request reads again; the live page meanwhile keeps what it has.
      this.logger.warn(`could not read the stats after a change: ${(error as Error).message}`);
    } finally {
      this.draining = false;
    }
  }

  private read(): Promise<Stats> {
    const read = this.reads.then(() => this.query.read());
    this.latestRead = read;
    this.reads = read
      .then(
        (stats) => (this.snapshot = stats),
        () => (this.snapshot = undefined),
      )
      .finally(() => {
        if (this.latestRead === read) this.latestRead = undefined;
      });
    return read;
  }
}
