import { groupLag, hasCommitted } from './group-lag';

const at = (partition: number, committed: string, logEnd: string, logStart = '0') => ({
  partition,
  committed,
  logStart,
  logEnd,
});

describe('groupLag', () => {
  it('is log end minus committed offset per partition, summed over the partitions', () => {
    expect(groupLag('g', [at(0, '3', '10'), at(1, '5', '5')])).toEqual({
      groupId: 'g',
      totalLag: 7,
      partitions: [
        { partition: 0, committed: '3', logStart: '0', logEnd: '10', lag: 7 },
        { partition: 1, committed: '5', logStart: '0', logEnd: '5', lag: 0 },
      ],
    });
  });

  it('counts the whole log when nothing is committed (-1, or -2 right after a reset to earliest)', () => {
    expect(groupLag('g', [at(0, '-1', '4')]).totalLag).toBe(4);
    expect(groupLag('g', [at(0, '-2', '4')]).totalLag).toBe(4);
    expect(groupLag('g', [at(0, '-1', '10', '6')]).totalLag).toBe(4);
  });

  it('counts from the log start when retention deleted records the group never read', () => {
    expect(groupLag('g', [at(0, '2', '10', '7')]).totalLag).toBe(3);
    expect(groupLag('g', [at(0, '8', '10', '7')]).totalLag).toBe(2);
  });

  it('never reports a negative lag', () => {
    expect(groupLag('g', [at(0, '9', '4')]).totalLag).toBe(0);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    expect(groupLag('g', [at(0, '9007199254740993', '9007199254740995')]).totalLag).toBe(2);
  });
});

describe('hasCommitted', () => {
  it('is true once any partition has a real committed offset', () => {
    expect(hasCommitted([at(0, '-1', '4')])).toBe(false);
    expect(hasCommitted([at(0, '-2', '4')])).toBe(false);
    expect(hasCommitted([at(0, '-1', '4'), at(1, '0', '4')])).toBe(true);
  });
});
