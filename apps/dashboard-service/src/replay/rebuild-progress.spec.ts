import { progressTo } from './rebuild-progress';

describe('progressTo', () => {
  it('counts per partition what the group has still to read below the handover offsets', () => {
    const progress = progressTo({ '1': '10', '0': '4' }, [
      { partition: 0, committed: '4', logStart: '0', logEnd: '9' },
      { partition: 1, committed: '3', logStart: '0', logEnd: '12' },
    ]);
    expect(progress).toEqual({
      lag: 7,
      reached: false,
      partitions: [
        { partition: 0, handover: '4', committed: '4', lag: 0 },
        { partition: 1, handover: '10', committed: '3', lag: 7 },
      ],
    });
  });

  it('has reached an empty partition without a commit, and a partition committed past its handover', () => {
    const progress = progressTo({ '0': '0', '1': '5' }, [
      { partition: 0, committed: '-1', logStart: '0', logEnd: '0' },
      { partition: 1, committed: '8', logStart: '0', logEnd: '8' },
    ]);
    expect(progress).toMatchObject({ lag: 0, reached: true });
  });

  it('has not reached a partition with records the group never committed on', () => {
    expect(progressTo({ '0': '3' }, [{ partition: 0, committed: '-1', logStart: '0', logEnd: '3' }])).toMatchObject({
      lag: 3,
      reached: false,
    });
  });
});
