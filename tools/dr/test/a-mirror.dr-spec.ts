// MirrorMaker 2 of the stack's `dr` part, seen from outside: records written to the primary appear on the DR
// cluster under the same topic name, partition and offset, and a group's committed offsets on the primary appear
// there translated, each read back by a kafkajs client of this test's own.
import { testNamespace, waitFor } from '@kafka-platform/testing';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { DR_BROKERS, PRIMARY_BROKERS, committedOffsets, endOffsets, readAll } from './support/clusters';

const PARTITIONS = 6;
const RECORDS = 120;

describe('MirrorMaker 2: primary -> dr', () => {
  const namespace = testNamespace('dr');
  const topic = `${namespace}.user-events`;
  const group = `${namespace}.email-service`;
  let primary: Admin;
  let dr: Admin;

  beforeAll(async () => {
    primary = new Kafka({ brokers: PRIMARY_BROKERS, logLevel: logLevel.NOTHING }).admin();
    dr = new Kafka({ brokers: DR_BROKERS, logLevel: logLevel.NOTHING }).admin();
    await Promise.all([primary.connect(), dr.connect()]);
  });

  afterAll(async () => {
    for (const admin of [primary, dr]) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('copies every record to the same partition and offset, and the topic keeps its name and partition count', async () => {
    await primary.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const producer = new Kafka({ brokers: PRIMARY_BROKERS, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: RECORDS }, (_, i) => ({
        key: `user-${i}`,
        value: `record-${i}`,
        partition: i % PARTITIONS,
        headers: { 'event-id': `event-${i}` },
      })),
    });
    await producer.disconnect();

    const mirrored = await waitFor(
      `${RECORDS} records of ${topic} on the DR cluster`,
      async () => {
        const ends = await endOffsets(dr, topic).catch(() => undefined);
        return ends && ends.reduce((sum, end) => sum + end, 0) === RECORDS && ends;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(mirrored).toHaveLength(PARTITIONS);
    expect(mirrored).toEqual(await endOffsets(primary, topic));

    const [here, there] = await Promise.all([
      readAll(PRIMARY_BROKERS, topic, RECORDS),
      readAll(DR_BROKERS, topic, RECORDS),
    ]);
    expect(there).toEqual(here);
    expect(there.filter((record) => record.headers['event-id'] === 'event-7')).toHaveLength(1);
  });

  it("translates the group's committed offsets onto the DR cluster (never past where the group was)", async () => {
    const perPartition = RECORDS / PARTITIONS;
    // The group has read all of partitions 0-2 and half of 3-5, as a consumer that stopped mid-way would have.
    const upstream = Array.from({ length: PARTITIONS }, (_, p) => (p < 3 ? perPartition : perPartition / 2));
    await primary.setOffsets({
      groupId: group,
      topic,
      partitions: upstream.map((offset, partition) => ({ partition, offset: String(offset) })),
    });

    const translated = await waitFor(
      `the offsets of ${group} on the DR cluster`,
      async () => {
        const offsets = await committedOffsets(dr, group, topic);
        return offsets.every((offset) => offset >= 0) && offsets;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // MM2 translates to the last offset sync at or before the committed offset, so never ahead: a failed-over
    // consumer may read a few records again (the inbox drops them), it never skips one.
    for (const [partition, offset] of translated.entries()) {
      expect(offset).toBeLessThanOrEqual(upstream[partition] as number);
      expect(offset).toBeGreaterThanOrEqual(0);
    }
    // With offset.lag.max = 10 a sync is at most 10 records behind, so the translated offsets lose at most that.
    const lost = translated.map((offset, partition) => (upstream[partition] as number) - offset);
    expect(Math.max(...lost)).toBeLessThanOrEqual(11);
    console.log(`translated offsets: upstream ${upstream.join(',')} -> dr ${translated.join(',')}`);
  });
});
