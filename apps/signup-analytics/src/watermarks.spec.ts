import { Watermarks } from './watermarks';

const IDLE_MS = 30_000;

/** Watermarks on a wall clock the test moves. */
function watermarks(partitions: number, idleTimeoutMs = IDLE_MS) {
  const clock = { now: 1_000_000 };
  const marks = new Watermarks(partitions, { idleTimeoutMs, now: () => clock.now });
  return { marks, tick: (ms: number) => (clock.now += ms) };
}

describe('Watermarks', () => {
  it('is the smallest of the partitions largest event times, -Infinity while an active one has sent nothing', () => {
    const { marks } = watermarks(2);
    marks.observe(0, 500);
    expect(marks.current()).toBe(Number.NEGATIVE_INFINITY);
    marks.observe(1, 200);
    marks.observe(1, 100); // older than what the partition brought: no step back
    expect(marks.current()).toBe(200);
    expect(marks.of(1)).toBe(200);
  });

  it('leaves out a partition without a signup for the idle timeout, counted from the start', () => {
    const { marks, tick } = watermarks(3);
    marks.observe(0, 500);
    marks.observe(1, 300);
    tick(IDLE_MS - 1);
    expect(marks.current()).toBe(Number.NEGATIVE_INFINITY); // partition 2 may still come
    marks.observe(0, 600);
    marks.observe(1, 400);
    tick(1);
    expect(marks.current()).toBe(400); // partition 2 never sent anything: idle now
  });

  it('leaves out a partition that went quiet, and uses the newest event time once every partition is idle', () => {
    const { marks, tick } = watermarks(2);
    marks.observe(0, 100);
    marks.observe(1, 900);
    expect(marks.current()).toBe(100);
    tick(IDLE_MS / 2);
    marks.observe(1, 1_000);
    tick(IDLE_MS / 2);
    expect(marks.current()).toBe(1_000); // partition 0 is idle
    tick(IDLE_MS);
    expect(marks.current()).toBe(1_000); // both idle: the newest event time seen
  });

  it('never goes back when an idle partition wakes up with old events', () => {
    const { marks, tick } = watermarks(2);
    marks.observe(0, 100);
    tick(IDLE_MS);
    marks.observe(1, 5_000);
    expect(marks.current()).toBe(5_000);
    marks.observe(0, 200); // active again, far behind
    expect(marks.current()).toBe(5_000);
    expect(marks.lowest).toBe(5_000);
  });

  it('keeps a restored floor and partition event times, each partition getting the full timeout again', () => {
    const { marks, tick } = watermarks(2);
    marks.restorePartition(0, 700);
    marks.restorePartition(1, 300);
    marks.restoreFloor(400);
    expect(marks.current()).toBe(400);
    tick(IDLE_MS);
    expect(marks.current()).toBe(700);
  });

  it('never leaves a partition out with an infinite timeout (the default)', () => {
    const marks = new Watermarks(2);
    marks.observe(0, 100);
    expect(marks.current()).toBe(Number.NEGATIVE_INFINITY);
  });
});
