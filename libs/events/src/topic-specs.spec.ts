import { topicSpecs, type TopicSpec } from './topic-specs';

const byName = (specs: TopicSpec[], topic: string) => specs.find((spec) => spec.topic === topic);

describe('topicSpecs', () => {
  it('creates user-events and one dead-letter topic per consuming group', () => {
    // Only user-events' own: topics of events added for other aggregates follow them.
    const userEventTopics = topicSpecs().filter((spec) => spec.topic.startsWith('user-events'));
    expect(userEventTopics.map((spec) => spec.topic)).toEqual([
      'user-events',
      'user-events.email-service.dlq',
      'user-events.dashboard-service.dlq',
    ]);
  });

  it('keeps user-events forever in 6 partitions, replicated 3 times with 2 in sync by default', () => {
    expect(byName(topicSpecs(), 'user-events')).toEqual({
      topic: 'user-events',
      partitions: 6,
      replicationFactor: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'min.insync.replicas': '2' },
    });
  });

  it('keeps dead letters 14 days in 3 partitions', () => {
    expect(byName(topicSpecs(), 'user-events.email-service.dlq')).toEqual({
      topic: 'user-events.email-service.dlq',
      partitions: 3,
      replicationFactor: 3,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '1209600000', 'min.insync.replicas': '2' },
    });
  });

  it('compacts the windowed aggregate: its latest record per key is the count', () => {
    expect(byName(topicSpecs(), 'user-signups-per-minute')?.configs).toEqual({
      'cleanup.policy': 'compact',
      'min.insync.replicas': '2',
    });
  });

  it("keeps signup-analytics' state in one compacted changelog partition", () => {
    expect(byName(topicSpecs(), 'signup-analytics.window-state.changelog')).toMatchObject({
      partitions: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
  });

  it('needs only one in-sync replica on a single broker', () => {
    for (const spec of topicSpecs({ replicationFactor: 1 })) {
      expect(spec.replicationFactor).toBe(1);
      expect(spec.configs['min.insync.replicas']).toBe('1');
    }
  });

  it('applies an explicit replication to every topic', () => {
    for (const spec of topicSpecs({ replicationFactor: 5, minInsyncReplicas: 3 })) {
      expect(spec.replicationFactor).toBe(5);
      expect(spec.configs['min.insync.replicas']).toBe('3');
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses replicationFactor %p', (replicationFactor) => {
    expect(() => topicSpecs({ replicationFactor })).toThrow(
      `replicationFactor must be a whole number of at least 1, got ${replicationFactor}`,
    );
  });

  it('refuses minInsyncReplicas below 1', () => {
    expect(() => topicSpecs({ minInsyncReplicas: 0 })).toThrow(
      'minInsyncReplicas must be a whole number of at least 1, got 0',
    );
  });

  it('refuses more in-sync replicas than replicas', () => {
    expect(() => topicSpecs({ replicationFactor: 2, minInsyncReplicas: 3 })).toThrow(
      'minInsyncReplicas (3) must not exceed replicationFactor (2)',
    );
  });
});
