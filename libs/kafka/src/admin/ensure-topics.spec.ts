// ensureTopics against the real broker: creates what is missing, is idempotent, and names mismatches.
import { uniqueName } from '@kafka-platform/testing';
import type { TopicSpec } from '../client/kafka-ports';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { catalogTopicSpecs } from '../contract/catalog-contract';
import { ensureTopics } from './ensure-topics';

describe('ensureTopics (real Kafka)', () => {
  let kafka: KafkaHarness;
  const created: string[] = [];
  beforeAll(async () => {
    kafka = await KafkaHarness.create();
  });
  afterAll(async () => {
    await kafka.admin.deleteTopics(created).catch(() => undefined);
    await kafka.cleanup();
  });

  const spec = (topic: string, partitions = 3, policy = 'delete'): TopicSpec => ({
    topic,
    partitions,
    replicationFactor: 1,
    configs: { 'cleanup.policy': policy, 'retention.ms': '3600000' },
  });

  it('creates missing topics with their partitions and configs, and a second run changes nothing', async () => {
    const specs = [spec(uniqueName('ensure')), spec(uniqueName('ensure'), 2)];
    created.push(...specs.map((s) => s.topic));

    const first = await ensureTopics(kafka.admin, specs);
    const second = await ensureTopics(kafka.admin, specs);

    expect(first.created.sort()).toEqual(specs.map((s) => s.topic).sort());
    expect(second).toEqual({ created: [], existing: expect.arrayContaining(specs.map((s) => s.topic)) });
    const described = await kafka.admin.describeTopics(specs.map((s) => s.topic));
    expect(described.map((d) => [d.topic, d.partitions, d.configs['retention.ms']]).sort()).toEqual(
      specs.map((s) => [s.topic, s.partitions, '3600000']).sort(),
    );
  });

  it('refuses an existing topic with fewer partitions or another cleanup policy, naming both', async () => {
    const topic = uniqueName('ensure-mismatch');
    created.push(topic);
    await ensureTopics(kafka.admin, [spec(topic, 2, 'delete')]);

    await expect(ensureTopics(kafka.admin, [spec(topic, 6, 'compact')])).rejects.toMatchObject({
      code: 'TOPIC_MISMATCH',
      retryable: false,
      message: expect.stringMatching(
        new RegExp(
          `${topic} has 2 partitions, the catalog declares 6[\\s\\S]*${topic} has cleanup.policy=delete, the catalog declares compact`,
        ),
      ),
    });
  });

  it('derives the catalog topics for this cluster: each event topic with 6 partitions, one DLQ per group, the state topics', async () => {
    // One broker (the default stack) or three (`--brokers 3`): as many replicas as brokers, up to 3.
    const brokers = await kafka.admin.brokerCount();
    const replicas = Math.min(3, brokers);
    const specs = catalogTopicSpecs({}, brokers);
    expect(specs.map((s) => [s.topic, s.partitions, s.replicationFactor])).toEqual([
      ['user-events', 6, replicas],
      ['user-events.email-service.dlq', 3, replicas],
      ['user-events.dashboard-service.dlq', 3, replicas],
      // signup-analytics' outputs (the dashboard reads the first, with a DLQ of its own) and its state.
      ['user-signups-per-minute', 6, replicas],
      ['user-signups-per-minute.dashboard-service.dlq', 3, replicas],
      ['user-signups-by-domain', 6, replicas],
      // Crypto-shredding's data keys: compacted; a deletion's tombstone stays, the key it replaces goes within 10 min.
      ['user-keys', 6, replicas],
      ['signup-analytics.window-state.changelog', 1, replicas],
    ]);
    expect(specs[0]?.configs['min.insync.replicas']).toBe(String(Math.min(2, replicas)));
    expect(specs.find((s) => s.topic === 'user-keys')?.configs).toMatchObject({
      'cleanup.policy': 'compact',
      'max.compaction.lag.ms': '600000',
      'delete.retention.ms': '9223372036854775807',
    });
  });

  it('gives three brokers replication factor 3 and min.insync.replicas 2, whatever the stack runs', () => {
    const [events] = catalogTopicSpecs({}, 3);
    expect(events).toMatchObject({ replicationFactor: 3, configs: { 'min.insync.replicas': '2' } });
    expect(catalogTopicSpecs({}, 5)[0]?.replicationFactor).toBe(3);
  });
});
