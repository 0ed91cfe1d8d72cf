// A minimal Server-Sent Events reader over fetch, so tests see exactly the bytes a browser would.
import { authHeaders, waitFor } from '@kafka-platform/testing';
import type { DemoUser } from '@kafka-platform/testing';

export interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface EventStreamReader {
  readonly response: Response;
  /** Every frame received so far, comments included as `{ event: 'comment' }`. */
  readonly received: ServerSentEvent[];
  /** Settles when the server ends the stream (or close() aborts it). */
  readonly ended: Promise<void>;
  /** Waits for the first frame after index `from` (default: any) that matches. */
  next(description: string, match: (frame: ServerSentEvent) => boolean, from?: number): Promise<ServerSentEvent>;
  close(): Promise<void>;
}

/** Opens the stream as `user` (the demo admin unless told: names unmasked). */
export async function openEventStream(url: string, user: DemoUser = 'ada'): Promise<EventStreamReader> {
  const abort = new AbortController();
  const headers = { accept: 'text/event-stream', ...(await authHeaders(user)) };
  const response = await fetch(url, { headers, signal: abort.signal });
  const received: ServerSentEvent[] = [];
  const reading = read(response, received).catch(() => undefined);
  return {
    response,
    received,
    ended: reading,
    next: (description, match, from = 0) =>
      waitFor(description, () => received.slice(from).find(match), { timeoutMs: 20_000, intervalMs: 20 }),
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

async function read(response: Response, received: ServerSentEvent[]): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      received.push(parse(buffer.slice(0, end)));
      buffer = buffer.slice(end + 2);
    }
  }
}

function parse(block: string): ServerSentEvent {
  let event = 'message';
  const data: string[] = [];
  let comment = true;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    comment = false;
    const [field, ...rest] = line.split(':');
    const value = rest.join(':').replace(/^ /, '');
    if (field === 'event') event = value;
    if (field === 'data') data.push(value);
  }
  if (comment) return { event: 'comment', data: block };
  return { event, data: data.length > 0 ? JSON.parse(data.join('\n')) : undefined };
}
