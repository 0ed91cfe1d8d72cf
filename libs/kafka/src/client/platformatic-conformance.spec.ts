// KafkaClientPort's own guarantees on the real broker, for whichever client KAFKA_CLIENT names (kafkajs by default;
// `nx run kafka:conformance` runs this and the other real-Kafka suites with KAFKA_CLIENT=platformatic). The suites
// of the runtime, the publisher and the DLQ tool prove the port through its users; this one pins what they take for
// granted: per-record offsets, Kafka's refusals, what is committed, pausing one partition, rebalances, restarts.
import { setTimeout as delay } from 'node:timers/promises';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { classifyError } from '../errors/platform-error';
import { KafkaHarness, testConfig } from '../../test/test-support/kafka-harness';
import { createKafkaClient } from './kafka-client-factory';
import type { KafkaConsumerPort } from './kafka-ports';
import { KafkajsClient } from './kafkajs-client';
import { partitionForKey } from './murmur2';
import { PlatformaticClient } from './platformatic-client';

/** The first key (k0, k1...) that murmur2 puts on `partition` of `count`. */
const keyOn = (partition: number, count: number) => {
  for (let i = 0; ; i++) if (partitionForKey(Buffer.from(`k${i}`), count) === partition) return `k${i}`;
};
const record = (key: string | null, value: string) => ({ key, value: Buffer.from(value), headers: { value } });

describe(`KafkaClientPort on the real broker (KAFKA_CLIENT=${process.env['KAFKA_CLIENT'] ?? 'kafkajs'})`, () => {
  let kafka: KafkaHarness;
  const consumers: KafkaConsumerPort[] = [];
  const extraTopics: string[] = [];

  beforeEach(async () => {
    kafka = await KafkaHarness.create();
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.disconnect().catch(() => undefined)));
    await kafka.admin.deleteTopics(extraTopics.splice(0)).catch(() => undefined);
    await kafka.cleanup();
  });

  async function started(
    group: string,
    run: Parameters<KafkaConsumerPort['run']>[0],
    onJoin?: (assignment: Readonly<Record<string, readonly number[]>>) => void,
  ) {
    const consumer = kafka.client.consumer(group);
    consumers.push(consumer);
    if (onJoin) consumer.onJoin(onJoin);
    await consumer.connect();
    await consumer.subscribe([kafka.topic], { fromBeginning: true });
    await consumer.run(run);
    return consumer;
  }

  it('runs on the client KAFKA_CLIENT names', () => {
    const expected = kafka.config.client === 'platformatic' ? PlatformaticClient : KafkajsClient;
    expect(kafka.client).toBeInstanceOf(expected);
  });

  it('gives each record its own partition and offset, in input order, on the partition murmur2 of its key names', async () => {
    await kafka.createTopics([], 3);
    const keys = ['a', 'b', 'c', 'a', null, 'd', 'b', null, 'a'];
    const records = keys.map((key, i) => record(key, `v${i}`));
    const producer = kafka.client.producer();
    await producer.connect();
    const produced = await producer.send(kafka.topic, records).finally(() => producer.disconnect());

    keys.forEach((key, i) => {
      if (key !== null) expect(produced[i]?.partition).toBe(partitionForKey(Buffer.from(key), 3));
    });
    const consumed = await kafka.readAll(kafka.topic, records.length);
    const at = new Map(consumed.map((r) => [`${r.partition}/${r.offset}`, r]));
    produced.forEach((p, i) => {
      expect(p.topic).toBe(kafka.topic);
      const landed = at.get(`${p.partition}/${p.offset}`);
      expect(landed?.value?.toString()).toBe(`v${i}`);
      expect(landed?.key?.toString() ?? null).toBe(keys[i]);
      expect(landed?.headers).toEqual({ value: `v${i}` });
    });
  });

  it("reports Kafka's refusal by its name with Kafka's retry verdict: a record too large is never worth retrying", async () => {
    // NOT_ENOUGH_REPLICAS cannot be provoked on demand (Kafka 4 accepts a write to a topic with fewer replicas
    // than min.insync.replicas); the retryable verdicts are proven with the library's error shapes in
    // platformatic-producer.spec.ts.
    const topic = uniqueName('kafka-lib-small');
    extraTopics.push(topic);
    const configs = { 'max.message.bytes': '200' };
    await kafka.admin.createTopics([{ topic, partitions: 1, replicationFactor: 1, configs }]);
    const producer = kafka.client.producer();
    await producer.connect();
    const failure = await producer.send(topic, [{ key: 'k', value: Buffer.alloc(1_000), headers: {} }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    await producer.disconnect();
    expect(failure).toMatchObject({ code: 'MESSAGE_TOO_LARGE', retryable: false });
    expect((failure as Error).message).toMatch(/^Kafka refused the write: MESSAGE_TOO_LARGE/);
    expect(classifyError(failure)).toMatchObject({ code: 'MESSAGE_TOO_LARGE', kind: 'poison' });
  });

  it('commits only what was marked done, pauses one partition while the other goes on, and fetches the unmarked again on resume', async () => {
    await kafka.createTopics([], 2);
    const [held, free] = [keyOn(0, 2), keyOn(1, 2)];
    await kafka.produceRaw([0, 1, 2].flatMap((i) => [record(held, `h${i}`), record(free, `f${i}`)]));
    const group = uniqueName('group');
    const seen: string[] = [];
    const watermarks = new Set<string>();
    let resume: (() => void) | undefined;
    let holding = true;
    const joins: Record<string, readonly number[]>[] = [];
    await started(
      group,
      {
        concurrency: 2,
        eachBatch: async (batch, control) => {
          watermarks.add(batch.highWatermark);
          for (const r of batch.records) {
            // Partition 0 is held at its second record: paused, the rest of the batch left unmarked.
            if (r.partition === 0 && r.offset === '1' && holding) {
              resume = control.pause();
              break;
            }
            seen.push(`${r.partition}/${r.offset}`);
            control.markDone(r.offset);
          }
          await control.commit();
        },
      },
      (assignment) => joins.push(assignment),
    );

    await waitFor('the free partition read to its end while the other is held', () =>
      ['1/0', '1/1', '1/2', '0/0'].every((r) => seen.includes(r)),
    );
    await waitFor('what was marked committed', async () => {
      const committed = await kafka.committed(group);
      return committed.get(0) === 1n && committed.get(1) === 3n;
    });
    await delay(1_500); // a paused partition stays paused: nothing more of it arrives
    expect(seen.filter((r) => r.startsWith('0/'))).toEqual(['0/0']);

    holding = false;
    resume?.();
    await waitFor('the held records once resumed', () => seen.includes('0/2'));
    expect(seen.filter((r) => r.startsWith('0/'))).toEqual(['0/0', '0/1', '0/2']);
    await waitFor('all committed', async () => (await kafka.committed(group)).get(0) === 3n);
    expect([...watermarks]).toEqual(['3']);
    expect(joins[0]).toEqual({ [kafka.topic]: [0, 1] });
  });

  it('tells the joins apart, and makes a batch whose partition went to another member stale: it commits nothing', async () => {
    await kafka.createTopics([], 2);
    await kafka.produceRaw([0, 1].flatMap((p) => [0, 1, 2].map((i) => record(keyOn(p, 2), `p${p}-${i}`))));
    const group = uniqueName('group');
    let releaseFirst: () => void = () => undefined;
    const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
    let releaseSecond: () => void = () => undefined;
    const secondReleased = new Promise<void>((resolve) => (releaseSecond = resolve));
    const inBatch = new Set<number>();
    const stale = new Map<number, boolean>();
    const firstJoins: Record<string, readonly number[]>[] = [];
    await started(
      group,
      {
        concurrency: 2,
        eachBatch: async (batch, control) => {
          if (stale.has(batch.partition)) return; // after the test's release: nothing more to prove
          inBatch.add(batch.partition);
          await firstReleased;
          for (const r of batch.records) control.markDone(r.offset);
          stale.set(batch.partition, control.isStale());
          await control.commit();
        },
      },
      (assignment) => firstJoins.push(assignment),
    );
    await waitFor('both partitions in a batch of the first member', () => inBatch.size === 2);

    const second = kafka.client.consumer(group);
    consumers.push(second);
    const secondAssigned = new Promise<readonly number[]>((resolve) =>
      second.onJoin((assignment) => {
        if ((assignment[kafka.topic] ?? []).length > 0) resolve(assignment[kafka.topic] ?? []);
      }),
    );
    await second.connect();
    await second.subscribe([kafka.topic], { fromBeginning: true });
    // The second member reads without marking anything: whatever is committed on its partition is the first's.
    void second.run({ concurrency: 2, eachBatch: () => secondReleased });
    // kafkajs lets the group wait for the batches in flight before it rejoins; @platformatic/kafka rejoins at once
    // and the group moves a partition away from under the first member's batch.
    // (kafkajs heart-beats only between batches: the first member must get back before its 10 s session ends.)
    const moved = await Promise.race([secondAssigned, delay(6_000).then(() => undefined)]);
    try {
      if (kafka.config.client === 'platformatic') expect(moved).toHaveLength(1);
      // The group may answer the second member first: the first learns its new assignment a moment later.
      const rejoined = () => firstJoins.some((assignment) => assignment[kafka.topic]?.length === 1);
      if (moved) await waitFor('the first member to learn its new assignment', rejoined);
      releaseFirst();
      await waitFor('both batches of the first member to end', () => stale.size === 2);

      for (const partition of [0, 1]) {
        const lost = moved?.includes(partition) ?? false;
        expect(stale.get(partition)).toBe(lost);
        expect((await kafka.committed(group)).get(partition)).toBe(lost ? -1n : 3n);
      }
      expect(firstJoins[0]).toEqual({ [kafka.topic]: [0, 1] });
      await waitFor('the first member to have joined again, with one partition', rejoined);
    } finally {
      releaseFirst();
      releaseSecond();
    }
  });

  it('restarts by itself after a reader failed, from the committed offsets, and says so', async () => {
    await kafka.createTopics([], 1);
    await kafka.produceRaw([0, 1, 2].map((i) => record('k', `r${i}`)));
    const group = uniqueName('group');
    const crashes: { error: string; restarting: boolean }[] = [];
    const seen: string[] = [];
    let failing = true;
    const consumer = kafka.client.consumer(group);
    consumers.push(consumer);
    consumer.onCrash((error, restarting) => crashes.push({ error: error.message, restarting }));
    await consumer.connect();
    await consumer.subscribe([kafka.topic], { fromBeginning: true });
    await consumer.run({
      concurrency: 1,
      eachBatch: async (batch, control) => {
        for (const r of batch.records) {
          // The first record is handled and committed, then the reader fails on the second.
          if (r.offset === '1' && failing) {
            await control.commit();
            throw new Error('the reader failed');
          }
          seen.push(r.offset);
          control.markDone(r.offset);
        }
        await control.commit();
      },
    });
    await waitFor('the crash to be reported', () => crashes.length > 0, { timeoutMs: 30_000 });
    expect(crashes[0]).toEqual({ error: expect.stringContaining('the reader failed'), restarting: true });
    failing = false;
    await waitFor('the rest once restarted', () => seen.includes('2'), { timeoutMs: 30_000 });
    // Read again from the commit: the record handled before the failure is not handed out again.
    expect(seen.filter((offset) => offset === '0')).toHaveLength(1);
    await waitFor('everything committed', async () => (await kafka.committed(group)).get(0) === 3n);
  });

  // Needs both clients in one process: Jest loads @platformatic/kafka (an ES module) only with
  // --experimental-vm-modules, which the conformance target passes and `kafka:test` does not.
  const bothClients = /--experimental-vm-modules/.test(process.env['NODE_OPTIONS'] ?? '');
  (bothClients ? it : it.skip)(
    'shares a group with members of the other client, either leading it, so a service can switch one replica at a time',
    async () => {
      await kafka.createTopics([], 4);
      const other = await createKafkaClient(
        testConfig({ KAFKA_CLIENT: kafka.config.client === 'platformatic' ? 'kafkajs' : 'platformatic' }),
      );
      const group = uniqueName('group');
      const seen = new Map<string, string>();
      const assigned: Record<string, readonly number[]>[] = [];
      for (const [name, client] of [
        ['this', kafka.client],
        ['other', other],
      ] as const) {
        const consumer = client.consumer(group);
        consumers.push(consumer);
        consumer.onJoin((assignment) => assigned.push({ [name]: assignment[kafka.topic] ?? [] }));
        await consumer.connect();
        await consumer.subscribe([kafka.topic], { fromBeginning: true });
        await consumer.run({
          concurrency: 2,
          eachBatch: async (batch, control) => {
            for (const r of batch.records) {
              seen.set(`${r.partition}/${r.offset}`, name);
              control.markDone(r.offset);
            }
            await control.commit();
          },
        });
      }
      await waitFor('the group to settle with two partitions each', () => {
        const last = (name: string) => assigned.filter((a) => a[name]).at(-1)?.[name];
        return last('this')?.length === 2 && last('other')?.length === 2;
      });
      await kafka.produceRaw(Array.from({ length: 40 }, (_, i) => record(`k${i}`, `v${i}`)));
      await waitFor('every record read once the group settled', () => seen.size === 40);
      expect(new Set(seen.values())).toEqual(new Set(['this', 'other']));
      await waitFor('everything committed', async () =>
        (await kafka.admin.groupOffsets(group, kafka.topic)).every((p) => p.committed === p.logEnd),
      );
    },
  );

  it('administers topics and groups: describe, offsets, list, move and delete', async () => {
    await kafka.createTopics([], 2);
    await kafka.produceRaw([record(keyOn(0, 2), 'a'), record(keyOn(0, 2), 'b'), record(keyOn(1, 2), 'c')]);
    const { admin } = kafka;
    const id = await admin.clusterId();
    expect(id).toMatch(/\S/);
    expect(await admin.clusterId()).toBe(id);
    expect(await admin.brokerCount()).toBeGreaterThanOrEqual(1);
    expect(await admin.listTopics()).toContain(kafka.topic);
    const [described, ...others] = await admin.describeTopics([kafka.topic, `${kafka.topic}-missing`]);
    expect(others).toEqual([]);
    expect(described).toMatchObject({ topic: kafka.topic, partitions: 2, configs: { 'cleanup.policy': 'delete' } });

    const group = uniqueName('group');
    expect(await admin.groupOffsets(group, kafka.topic)).toEqual([
      { partition: 0, committed: '-1', logStart: '0', logEnd: '2' },
      { partition: 1, committed: '-1', logStart: '0', logEnd: '1' },
    ]);
    await admin.setGroupOffsets(group, kafka.topic, [{ partition: 0, offset: '1' }]);
    expect((await admin.groupOffsets(group, kafka.topic))[0]).toEqual({
      partition: 0,
      committed: '1',
      logStart: '0',
      logEnd: '2',
    });
    expect(await admin.listGroups()).toContain(group);

    // A group with a running member cannot be deleted; once it left, it can, and a missing group is no error.
    const running = await started(group, { concurrency: 1, eachBatch: async () => undefined });
    await waitFor('the member to be in the group', async () =>
      admin.deleteGroup(group).then(
        () => false,
        () => true,
      ),
    );
    await running.disconnect();
    await admin.deleteGroup(group);
    expect(await admin.listGroups()).not.toContain(group);
    await expect(admin.deleteGroup(group)).resolves.toBeUndefined();
  });
});
