import type { ServerResponse } from 'node:http';
import { METRICS_REGISTRY } from '@kafka-platform/service';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { ReplaySubject, catchError, defer, filter, map, share, takeUntil, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { StatsFeed } from '../stats/stats-feed';
import type { StatsUpdate } from '../stats/stats-feed';
import { clientFrames, sseFrame, streamTo } from './server-sent-events';

/**
 * The live page's event stream. Each update is turned into frames once and the same text goes to every
 * client; a client costs a socket, not a database query.
 */
@Injectable()
export class LiveStream implements BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveStream.name);
  private readonly updateFrames$: Observable<string>;
  // Replayed, so a client connecting during shutdown is closed at once too.
  private readonly closing$ = new ReplaySubject<void>(1);
  private readonly clients: Gauge;

  constructor(
    private readonly feed: StatsFeed,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.updateFrames$ = feed.updates$.pipe(
      map(updateFrames),
      filter((frames) => frames.length > 0),
      share(),
    );
    this.clients = new Gauge({
      name: 'dashboard_stream_clients',
      help: 'Clients connected to the live stats stream (GET /api/stream)',
      registers: [registry],
    });
  }

  open(response: ServerResponse): void {
    this.clients.inc();
    response.once('close', () => this.clients.dec());
    const initial = defer(() => this.feed.current()).pipe(
      map((stats) => sseFrame('stats', stats)),
      catchError((error: Error) => {
        this.logger.warn(`live stream closed: stats unavailable: ${error.message}`);
        return throwError(() => error);
      }),
    );
    // Open connections would keep the HTTP server from closing; they end before it does.
    streamTo(response, clientFrames(initial, this.updateFrames$).pipe(takeUntil(this.closing$)));
  }

  beforeApplicationShutdown(): void {
    this.closing$.next();
  }
}

/** A `handled` message per event, each with the stats that include it; a rebuild resends the whole stats. */
function updateFrames({ stats, handled, rebuilt }: StatsUpdate): string {
  const frames = handled.map((event) => sseFrame('handled', { event, stats }));
  if (rebuilt) frames.push(sseFrame('stats', stats));
  return frames.join('');
}
