import { WINDOW_MS, WindowStore, windowKey } from './window-store';

const T0 = Date.UTC(2030, 0, 1, 12, 0);
const at = (minutes: number, seconds = 0) => T0 + minutes * WINDOW_MS + seconds * 1000;

describe('WindowStore', () => {
  it('counts signups per minute and locale, keyed <windowStart ISO>|<locale>', () => {
    const store = new WindowStore(WINDOW_MS, 1);
    store.add(0, at(0, 5), 'en');
    store.add(0, at(0, 50), 'en');
    store.add(0, at(0, 59), 'de');

    expect(store.drain().changes.updated).toEqual([
      { windowStart: T0, locale: 'en', count: 2 },
      { windowStart: T0, locale: 'de', count: 1 },
    ]);
    expect(windowKey(T0, 'en')).toBe('2030-01-01T12:00:00.000Z|en');
  });

  it('closes a window once the watermark passes its end plus the grace, and drops later events as late', () => {
    const store = new WindowStore(30_000, 1);
    store.add(0, at(0, 10), 'en');
    store.add(0, at(1, 20), 'en'); // within the grace of minute 0: it stays open
    expect(store.drain().changes.closed).toEqual([]);

    store.add(0, at(1, 30), 'en'); // watermark = end of minute 0 + 30 s: closed
    expect(store.drain().changes.closed).toEqual([{ windowStart: T0, locale: 'en', count: 1 }]);

    expect(store.add(0, at(0, 40), 'en')).toBe(false);
    expect(store.lateDropped).toBe(1);
  });

  it('holds the watermark at the slowest partition, so a fast one closes nothing a slow one still feeds', () => {
    const store = new WindowStore(0, 2);
    store.add(0, at(5), 'en');
    expect(store.watermark()).toBe(Number.NEGATIVE_INFINITY);
    store.add(1, at(0, 30), 'en');

    expect(store.watermark()).toBe(at(0, 30));
    expect(store.add(1, at(0, 40), 'fr')).toBe(true);
  });

  it('restores counts, tombstones and watermarks from its own changelog', () => {
    const first = new WindowStore(0, 1);
    first.add(0, at(0), 'en');
    first.add(0, at(0, 1), 'en');
    const log = first.drain().changelog;
    first.add(0, at(2), 'en'); // closes minute 0: a tombstone
    log.push(...first.drain().changelog);

    first.consumed(0, 42);
    log.push(...first.drain().changelog);

    const second = new WindowStore(0, 1);
    for (const record of log) second.restore(record);

    expect(second.openWindows()).toEqual([{ windowStart: at(2), locale: 'en', count: 1 }]);
    expect(second.watermark()).toBe(at(2));
    expect(second.add(0, at(0, 30), 'en')).toBe(false);
    expect([second.isNew(0, 41), second.isNew(0, 42)]).toEqual([false, true]);
  });

  it('closes the windows an idle partition held open, keeping that watermark across a restart', () => {
    const clock = { now: 0 };
    const idle = { idleTimeoutMs: 30_000, now: () => clock.now };
    const first = new WindowStore(0, 2, idle);
    first.add(0, at(0), 'en');
    first.add(0, at(2), 'en');
    expect(first.drain().changes.closed).toEqual([]); // partition 1 may still bring minute 0
    clock.now = 30_000;
    const { changes, changelog } = first.drain();
    expect(changes.closed).toEqual([{ windowStart: T0, locale: 'en', count: 1 }]);

    const second = new WindowStore(0, 2, idle);
    for (const record of changelog) second.restore(record);
    expect(second.add(1, at(0, 30), 'en')).toBe(false); // minute 0 stays final
  });
});
