import type { ServerResponse } from 'node:http';
import { RETRY_AFTER_SECONDS } from '@kafka-platform/platform';
import { METRICS_REGISTRY } from '@kafka-platform/core';
import { HttpException, HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { ReplaySubject, catchError, defer, filter, map, share, takeUntil, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { StatsFeed } from '../stats/stats-feed';
import type { StatsUpdate } from '../stats/stats-feed';
import { statsForViewer } from '../stats/stats-for-viewer';
import { clientFrames, sseFrame, streamTo } from './server-sent-events';
import { STREAM_LIMITS } from './stream-limits';
import type { StreamLimits } from './stream-limits';

/** Who opens a stream: the caller's identity (for the per-caller cap) and whether it may see names. */
export interface StreamViewer {
  readonly caller: string;
  readonly mayReadNames: boolean;
}

/**
 * The live page's event stream. Each update is turned into frames once per audience (names shown or masked) and
 * the same text goes to every client of that audience; a client costs a socket, not a database query.
 */
@Injectable()
export class LiveStream implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveStream.name);
  private readonly updateFrames$: Observable<{ full: string; masked: string }>;
  private readonly perCaller = new Map<string, number>();
  private open = 0;
  // Replayed, so a client connecting during shutdown is closed at once too.
  private readonly closing$ = new ReplaySubject<void>(1);
  private readonly clients: Gauge;

  constructor(
    private readonly feed: StatsFeed,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(STREAM_LIMITS) private readonly limits: StreamLimits,
  ) {
    this.updateFrames$ = feed.updates$.pipe(
      map((update) => ({ full: updateFrames(update, true), masked: updateFrames(update, false) })),
      filter((frames) => frames.full.length > 0),
      share(),
    );
    this.clients = new Gauge({
      name: 'dashboard_stream_clients',
      help: 'Clients connected to the live stats stream (GET /api/stream)',
      registers: [registry],
    });
  }

  /** 503 when the pod holds its maximum of streams, 429 when this caller does; a slot is freed on disconnect. */
  openStream(response: ServerResponse, viewer: StreamViewer): void {
    this.admit(viewer.caller, response);
    this.clients.inc();
    response.once('close', () => this.release(viewer.caller));
    const initial = defer(() => this.feed.current()).pipe(
      map((stats) => sseFrame('stats', statsForViewer(stats, viewer.mayReadNames))),
      catchError((error: Error) => {
        this.logger.warn(`live stream closed: stats unavailable: ${error.message}`);
        return throwError(() => error);
      }),
    );
    // Open connections would keep the HTTP server from closing; they end before it does.
    const updates = this.updateFrames$.pipe(map((frames) => (viewer.mayReadNames ? frames.full : frames.masked)));
    streamTo(response, clientFrames(initial, updates).pipe(takeUntil(this.closing$)));
  }

  private admit(caller: string, response: ServerResponse): void {
    if (this.open >= this.limits.maxStreams) {
      response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      throw new HttpException(
        {
          statusCode: 503,
          error: 'Service Unavailable',
          code: 'STREAMS_FULL',
          message: 'Too many live streams; try again later',
          retryable: true,
        },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    if ((this.perCaller.get(caller) ?? 0) >= this.limits.maxStreamsPerCaller) {
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          code: 'TOO_MANY_STREAMS',
          message: `At most ${this.limits.maxStreamsPerCaller} live streams per caller; close one first`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.open += 1;
    this.perCaller.set(caller, (this.perCaller.get(caller) ?? 0) + 1);
  }

  private release(caller: string): void {
    this.open -= 1;
    this.clients.dec();
    const left = (this.perCaller.get(caller) ?? 1) - 1;
    if (left > 0) this.perCaller.set(caller, left);
    else this.perCaller.delete(caller);
  }

  beforeApplicationShutdown(): void {
    this.closing$.next();
  }
}

/** A `handled` message per event, each with the stats that include it; a rebuild resends the whole stats. */
function updateFrames(update: StatsUpdate, mayReadNames: boolean): string {
  const stats = statsForViewer(update.stats, mayReadNames);
  const frames = update.handled.map((event) => sseFrame('handled', { event, stats }));
  if (update.rebuilt) frames.push(sseFrame('stats', stats));
  return frames.join('');
}
