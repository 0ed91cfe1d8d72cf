import type { ServerResponse } from 'node:http';
import { fromEvent, interval, map, merge, startWith, takeUntil } from 'rxjs';
import type { Observable } from 'rxjs';

/** Tells the browser to reconnect after 3 s, and sends a first byte so proxies and fetch see the stream start. */
export const OPENING = 'retry: 3000\n: connected\n\n';
/** A comment line: ignored by EventSource, but keeps idle proxies and load balancers from closing the stream. */
export const KEEP_ALIVE = ': keep-alive\n\n';
export const KEEP_ALIVE_MS = 15_000;
// A client that stops reading would make the server buffer every update for it; it is dropped instead.
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** One SSE message; JSON has no raw line breaks, so the data fits on one `data:` line. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Everything one client receives: the opening, its first frame(s), the shared updates and keep-alives. */
export function clientFrames(
  initial: Observable<string>,
  updates: Observable<string>,
  keepAliveMs = KEEP_ALIVE_MS,
): Observable<string> {
  return merge(initial, updates, interval(keepAliveMs).pipe(map(() => KEEP_ALIVE))).pipe(startWith(OPENING));
}

/** Streams frames as text/event-stream until either side ends; each frame is flushed as it is written. */
export function streamTo(response: ServerResponse, frames: Observable<string>): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  response.flushHeaders();
  frames.pipe(takeUntil(fromEvent(response, 'close'))).subscribe({
    next: (frame) => {
      if (response.writableLength > MAX_BUFFERED_BYTES) response.destroy();
      else response.write(frame);
    },
    error: () => response.end(),
    complete: () => response.end(),
  });
}
