import { handoverOf, progressTo } from './rebuild-progress';

describe('progressTo', () => {
  it('counts per partition what the group has still to read below the handover offsets', () => {
    const progress = progressTo({ '1': '10', '0': '4' }, [
      { topic: 'user-events', partition: 0, committed: '4', logStart: '0', logEnd: '9' },
      { topic: 'user-events', partition: 1, committed: '3', logStart: '0', logEnd: '12' },
    ]);
    expect(progress).toEqual({
      lag: 7,
      reached: false,
      partitions: [
        { topic: 'user-events', partition: 0, handover: '4', committed: '4', lag: 0 },
        { topic: 'user-events', partition: 1, handover: '10', committed: '3', lag: 7 },
      ],
    });
  });

  it('has reached an empty partition without a commit, and a partition committed past its handover', () => {
    const progress = progressTo({ '0': '0', '1': '5' }, [
      { topic: 'user-events', partition: 0, committed: '-1', logStart: '0', logEnd: '0' },
      { topic: 'user-events', partition: 1, committed: '8', logStart: '0', logEnd: '8' },
    ]);
    expect(progress).toMatchObject({ lag: 0, reached: true });
  });

  it('has not reached a partition with records the group never committed on', () => {
    expect(
      progressTo({ '0': '3' }, [{ topic: 'user-events', partition: 0, committed: '-1', logStart: '0', logEnd: '3' }]),
    ).toMatchObject({
      lag: 3,
      reached: false,
    });
  });

  it('keys user-events by partition alone and every other topic by topic and partition', () => {
    const offsets = [
      { topic: 'ns.user-events', partition: 0, committed: '5', logStart: '0', logEnd: '7' },
      { topic: 'ns.user-signups-per-minute', partition: 0, committed: '2', logStart: '0', logEnd: '3' },
    ];
    const handover = handoverOf(offsets);
    expect(handover).toEqual({ '0': '7', 'ns.user-signups-per-minute:0': '3' });
    expect(progressTo(handover, offsets)).toMatchObject({ lag: 3, reached: false });
  });

  it('has not reached a handover partition the group reports no offsets for', () => {
    expect(
      progressTo({ '0': '0', 'user-signups-per-minute:0': '0' }, [
        { topic: 'user-events', partition: 0, committed: '-1', logStart: '0', logEnd: '0' },
      ]),
    ).toMatchObject({ lag: 0, reached: false });
  });
});
