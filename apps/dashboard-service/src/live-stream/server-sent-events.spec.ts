import { Subject, firstValueFrom, of, take, toArray } from 'rxjs';
import { KEEP_ALIVE, OPENING, clientFrames, sseFrame } from './server-sent-events';

describe('sseFrame', () => {
  it('writes a named event with its JSON data on one line, ended by a blank line', () => {
    expect(sseFrame('stats', { note: 'two\nlines' })).toBe('event: stats\ndata: {"note":"two\\nlines"}\n\n');
  });
});

describe('clientFrames', () => {
  it('opens with the retry hint, then the initial frame, then shared updates as they come', async () => {
    const updates = new Subject<string>();
    const frames = firstValueFrom(clientFrames(of('initial'), updates, 60_000).pipe(take(4), toArray()));
    updates.next('update 1');
    updates.next('update 2');
    expect(await frames).toEqual([OPENING, 'initial', 'update 1', 'update 2']);
  });

  it('sends a keep-alive comment on every interval while nothing else happens', async () => {
    const frames = await firstValueFrom(
      clientFrames(of('initial'), new Subject<string>(), 20).pipe(take(4), toArray()),
    );
    expect(frames).toEqual([OPENING, 'initial', KEEP_ALIVE, KEEP_ALIVE]);
    expect(KEEP_ALIVE.startsWith(':')).toBe(true);
  });
});
