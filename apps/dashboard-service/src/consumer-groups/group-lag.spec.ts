import { groupLag, hasCommitted } from './group-lag';

describe('groupLag', () => {
  it('is log end minus committed offset per partition, summed over the partitions', () => {
    const lag = groupLag('g', [
      { partition: 0, committed: '3', logEnd: '10' },
      { partition: 1, committed: '5', logEnd: '5' },
    ]);
    expect(lag).toEqual({
      groupId: 'g',
      totalLag: 7,
      partitions: [
        { partition: 0, committed: '3', logEnd: '10', lag: 7 },
        { partition: 1, committed: '5', logEnd: '5', lag: 0 },
      ],
    });
  });

  it('counts the whole partition when nothing is committed (-1, or -2 right after a reset to earliest)', () => {
    expect(groupLag('g', [{ partition: 0, committed: '-1', logEnd: '4' }]).totalLag).toBe(4);
    expect(groupLag('g', [{ partition: 0, committed: '-2', logEnd: '4' }]).totalLag).toBe(4);
  });

  it('never reports a negative lag', () => {
    expect(groupLag('g', [{ partition: 0, committed: '9', logEnd: '4' }]).totalLag).toBe(0);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    const lag = groupLag('g', [{ partition: 0, committed: '9007199254740993', logEnd: '9007199254740995' }]);
    expect(lag.totalLag).toBe(2);
  });
});

describe('hasCommitted', () => {
  it('is true once any partition has a real committed offset', () => {
    expect(hasCommitted([{ partition: 0, committed: '-1', logEnd: '4' }])).toBe(false);
    expect(hasCommitted([{ partition: 0, committed: '-2', logEnd: '4' }])).toBe(false);
    expect(
      hasCommitted([
        { partition: 0, committed: '-1', logEnd: '4' },
        { partition: 1, committed: '0', logEnd: '4' },
      ]),
    ).toBe(true);
  });
});
