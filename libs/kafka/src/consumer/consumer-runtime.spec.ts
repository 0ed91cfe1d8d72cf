// The consumer runtime on the real broker and registry: versions, poison records, retries, order, offsets, shutdown.
import { randomUUID } from 'node:crypto';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { DLQ_HEADER } from '../dlq/dead-letter';
import type { EventEnvelope } from '../envelope/event-envelope';
import { HEADER } from '../envelope/event-envelope';
import { TransientError } from '@kafka-platform/core';
import type { KafkaConsumerPort } from '../client/kafka-ports';
import { ConsumerRuntime } from './consumer-runtime';
import type { EventHandlerRegistration } from './consumer-runtime';

type Handler = (event: EventEnvelope) => Promise<void> | void;
const handler = (type: string, version: number, handle: Handler): EventHandlerRegistration => ({
  type,
  version,
  handle: async (event) => handle(event),
});
const newUser = (name: string, userId = randomUUID()) => ({ userId, email: `${name}@example.com`, name, locale: 'en' });
const names = (events: EventEnvelope[]) => events.map((event) => (event.payload as { name: string }).name);

describe('ConsumerRuntime (real Kafka)', () => {
  let kafka: KafkaHarness;
  const group = () => uniqueName('group');

  beforeEach(async () => {
    kafka = await KafkaHarness.create();
  });
  afterEach(() => kafka.cleanup());

  it('lets a v2 consumer read v1 records and a v1 consumer read v2 records', async () => {
    const [g2, g1] = [group(), group()];
    await kafka.createTopics([g2, g1]);
    const publisher = await kafka.publisher();
    const userId = randomUUID();
    await publisher.publish('new_user', { userId, email: 'v1@example.com', name: 'One' }, { version: 1 });
    await publisher.publish('new_user', { userId, email: 'v2@example.com', name: 'Two', locale: 'fr' }, { version: 2 });

    const seenByV2: unknown[] = [];
    const seenByV1: unknown[] = [];
    await kafka.runtime(g2, [handler('new_user', 2, (e) => void seenByV2.push(e.payload))]);
    await kafka.runtime(g1, [handler('new_user', 1, (e) => void seenByV1.push(e.payload))]);

    await waitFor('both groups to read both records', () => seenByV2.length === 2 && seenByV1.length === 2);
    expect(seenByV2).toEqual([
      { userId, email: 'v1@example.com', name: 'One', locale: 'en' },
      { userId, email: 'v2@example.com', name: 'Two', locale: 'fr' },
    ]);
    expect(seenByV1).toEqual([
      { userId, email: 'v1@example.com', name: 'One' },
      { userId, email: 'v2@example.com', name: 'Two' },
    ]);
  });

  it('sends poison records to the DLQ at once, with their reason, and keeps handling the partition', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const userId = randomUUID();
    const headers = {
      [HEADER.eventId]: randomUUID(),
      [HEADER.eventType]: 'new_user',
      [HEADER.schemaVersion]: '2',
      [HEADER.occurredAt]: new Date().toISOString(),
    };
    await kafka.produceRaw([
      { key: userId, value: Buffer.from('not avro at all'), headers },
      { key: userId, value: Buffer.from('no headers either'), headers: {} },
    ]);
    const publisher = await kafka.publisher();
    await publisher.publish('new_user', newUser('after-poison', userId));

    const handled: EventEnvelope[] = [];
    await kafka.runtime(g, [handler('new_user', 2, (e) => void handled.push(e))]);

    await waitFor('the record after the poison ones', () => handled.length === 1);
    expect(names(handled)).toEqual(['after-poison']);
    const dead = await kafka.readAll(kafka.dlqTopic(g), 2);
    expect(dead.map((r) => r.headers[DLQ_HEADER.errorCode])).toEqual(['BAD_MAGIC_BYTE', 'MISSING_HEADER']);
    const [first] = dead;
    expect(first?.key?.toString()).toBe(userId);
    expect(first?.value?.toString()).toBe('not avro at all');
    expect(first?.headers).toMatchObject({
      ...headers,
      [DLQ_HEADER.reason]: 'poison',
      [DLQ_HEADER.retryable]: 'false',
      [DLQ_HEADER.attempts]: '1',
      [DLQ_HEADER.group]: g,
      [DLQ_HEADER.sourceTopic]: kafka.topic,
      [DLQ_HEADER.sourceOffset]: '0',
    });
    expect(first?.headers[DLQ_HEADER.errorMessage]).toContain('magic byte');
    expect(Date.parse(first?.headers[DLQ_HEADER.failedAt] ?? '')).not.toBeNaN();
  });

  it('retries a transient failure with backoff until it succeeds, without dead-lettering', async () => {
    const g = group();
    await kafka.createTopics([g]);
    await (await kafka.publisher()).publish('new_user', newUser('flaky'));
    let attempts = 0;
    const handled: EventEnvelope[] = [];
    await kafka.runtime(g, [
      handler('new_user', 2, (e) => {
        if (++attempts < 3) throw new TransientError('SMTP_DOWN', 'smtp is down');
        handled.push(e);
      }),
    ]);

    await waitFor('the third attempt to succeed', () => handled.length === 1);
    expect(attempts).toBe(3);
    const offsets = await waitFor('the offset to be committed', async () => {
      const committed = await kafka.committed(g);
      return [...committed.values()].some((offset) => offset === 1n) && committed;
    });
    expect([...offsets.values()].filter((offset) => offset > 0n)).toEqual([1n]);
    expect(await kafka.metrics.retries.get()).toMatchObject({ values: [expect.objectContaining({ value: 2 })] });
    expect(
      (await kafka.admin.groupOffsets(uniqueName('probe'), kafka.dlqTopic(g))).every((p) => p.logEnd === '0'),
    ).toBe(true);
  });

  it('dead-letters a failure of unknown cause (a bug) once its bounded attempts are spent, then moves on', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const userId = randomUUID();
    const publisher = await kafka.publisher();
    await publisher.publish('new_user', newUser('doomed', userId));
    await publisher.publish('new_user', newUser('next', userId));
    let attempts = 0;
    const handled: EventEnvelope[] = [];
    await kafka.runtime(
      g,
      [
        handler('new_user', 2, (e) => {
          if (names([e])[0] === 'doomed') {
            attempts++;
            throw new TypeError('cannot read properties of undefined');
          }
          handled.push(e);
        }),
      ],
      {},
      { unhealthyDependencies: async () => [] },
    );

    await waitFor('the next record', () => handled.length === 1);
    expect(attempts).toBe(kafka.config.retry.maxAttempts);
    await waitFor('both offsets committed', async () => [...(await kafka.committed(g)).values()].includes(2n));
    const dlq = await kafka.admin.groupOffsets(uniqueName('probe'), kafka.dlqTopic(g));
    expect(dlq.reduce((sum, p) => sum + Number(p.logEnd), 0)).toBe(1);
    const [dead] = await kafka.readAll(kafka.dlqTopic(g), 1);
    expect(dead?.headers).toMatchObject({
      [DLQ_HEADER.errorCode]: 'UNCLASSIFIED',
      [DLQ_HEADER.reason]: 'attempts-exhausted',
      [DLQ_HEADER.attempts]: '3',
      [DLQ_HEADER.retryable]: 'true',
    });
  });

  it('holds only the failing partition through an outage far longer than the attempt budget, and dead-letters nothing', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const publisher = await kafka.publisher();
    const blocked = await publisher.publish('new_user', newUser('blocked'));
    let other = await publisher.publish('new_user', newUser('other-0'));
    for (let i = 1; other.partition === blocked.partition; i++) {
      other = await publisher.publish('new_user', newUser(`other-${i}`));
    }
    let outage = true;
    let attempts = 0;
    const handled: string[] = [];
    const runtime = await kafka.runtime(g, [
      handler('new_user', 2, (e) => {
        const [name] = names([e]);
        if (name === 'blocked' && outage) {
          attempts++;
          throw new TransientError('SMTP_UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:1025');
        }
        handled.push(name as string);
      }),
    ]);

    await waitFor('the other partition to be handled meanwhile', () => handled.some((n) => n.startsWith('other')));
    await waitFor('many more attempts than the bounded ones', () => attempts > 3 * kafka.config.retry.maxAttempts);
    expect(handled).not.toContain('blocked');
    expect(runtime.status.blocked).toEqual([
      expect.objectContaining({
        partition: blocked.partition,
        offset: blocked.offset,
        kind: 'transient',
        code: 'SMTP_UNAVAILABLE',
      }),
    ]);
    const metrics = await kafka.metrics.registry.getSingleMetricAsString('kafka_consumer_paused_partitions');
    expect(metrics).toContain(`kafka_consumer_paused_partitions{group="${g}"} 1`);

    outage = false;
    await waitFor('the held record once the outage is over', () => handled.includes('blocked'));
    expect(runtime.status.blocked).toEqual([]);
    expect(
      (await kafka.admin.groupOffsets(uniqueName('probe'), kafka.dlqTopic(g))).every((p) => p.logEnd === '0'),
    ).toBe(true);
  });

  it('takes an unknown failure for an outage while a dependency fails its health check', async () => {
    const g = group();
    await kafka.createTopics([g]);
    await (await kafka.publisher()).publish('new_user', newUser('waits'));
    let databaseDown = true;
    let attempts = 0;
    const handled: string[] = [];
    const runtime = await kafka.runtime(
      g,
      [
        handler('new_user', 2, (e) => {
          if (databaseDown) {
            attempts++;
            throw new Error('Connection refused by a driver that gives no code');
          }
          handled.push(names([e])[0] as string);
        }),
      ],
      {},
      { unhealthyDependencies: async () => (databaseDown ? ['database'] : []) },
    );
    await waitFor('more attempts than a bug would get', () => attempts > 2 * kafka.config.retry.maxAttempts);
    expect(runtime.status.blocked).toEqual([
      expect.objectContaining({ kind: 'transient', dependencies: ['database'] }),
    ]);
    databaseDown = false;
    await waitFor('the record once the database is back', () => handled.length === 1);
    expect(
      (await kafka.admin.groupOffsets(uniqueName('probe'), kafka.dlqTopic(g))).every((p) => p.logEnd === '0'),
    ).toBe(true);
  });

  it('dead-letters a record held by an outage once the transient budget is spent, saying so', async () => {
    const g = group();
    await kafka.createTopics([g]);
    await (await kafka.publisher()).publish('new_user', newUser('too-long'));
    await kafka.runtime(
      g,
      [
        handler('new_user', 2, () => {
          throw new TransientError('SMTP_UNAVAILABLE', 'still down');
        }),
      ],
      { retry: { ...kafka.config.retry, transientRetryForMs: 2_000 } },
    );
    const [dead] = await kafka.readAll(kafka.dlqTopic(g), 1);
    expect(dead?.headers).toMatchObject({
      [DLQ_HEADER.errorCode]: 'SMTP_UNAVAILABLE',
      [DLQ_HEADER.reason]: 'transient-budget-exhausted',
      [DLQ_HEADER.retryable]: 'true',
    });
    expect(dead?.headers[DLQ_HEADER.errorMessage]).toMatch(/still failing after \d+ s of retries.*still down/);
    expect(Number(dead?.headers[DLQ_HEADER.attempts])).toBeGreaterThan(1);
  });

  it('keeps per-key order while a record is retried', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const userId = randomUUID();
    await (
      await kafka.publisher()
    ).publishAll(['e1', 'e2', 'e3', 'e4', 'e5'].map((name) => ({ type: 'new_user', payload: newUser(name, userId) })));
    const handled: EventEnvelope[] = [];
    let failedOnce = false;
    await kafka.runtime(g, [
      handler('new_user', 2, (e) => {
        if (names([e])[0] === 'e2' && !failedOnce) {
          failedOnce = true;
          throw new TransientError('DB_DOWN', 'once');
        }
        handled.push(e);
      }),
    ]);
    await waitFor('all five', () => handled.length === 5);
    expect(names(handled)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('keeps independent offsets for two groups on the same topic', async () => {
    const [fast, slow] = [group(), group()];
    await kafka.createTopics([fast, slow]);
    const publisher = await kafka.publisher();
    const userId = randomUUID();
    await publisher.publishAll(['a', 'b'].map((name) => ({ type: 'new_user', payload: newUser(name, userId) })));
    const seen = { fast: [] as EventEnvelope[], slow: [] as EventEnvelope[] };
    await kafka.runtime(fast, [handler('new_user', 2, (e) => void seen.fast.push(e))]);
    const slowRuntime = await kafka.runtime(slow, [handler('new_user', 2, (e) => void seen.slow.push(e))]);
    await waitFor('both groups to read both', () => seen.fast.length === 2 && seen.slow.length === 2);
    await slowRuntime.stop();

    await publisher.publish('new_user', newUser('c', userId));
    await waitFor('the running group to read the third', () => seen.fast.length === 3);
    const partition = (await kafka.readAll(kafka.topic, 3))[0]?.partition as number;
    await waitFor('fast group committed 3', async () => (await kafka.committed(fast)).get(partition) === 3n);
    expect((await kafka.committed(slow)).get(partition)).toBe(2n);
    expect(names(seen.slow)).toEqual(['a', 'b']);
  });

  it('resumes a restarted group from its committed offset', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const publisher = await kafka.publisher();
    const userId = randomUUID();
    await publisher.publishAll(['a', 'b'].map((name) => ({ type: 'new_user', payload: newUser(name, userId) })));
    const first: EventEnvelope[] = [];
    const runtime = await kafka.runtime(g, [handler('new_user', 2, (e) => void first.push(e))]);
    await waitFor('the first run to handle both', () => first.length === 2);
    await runtime.stop();

    await publisher.publish('new_user', newUser('c', userId));
    const second: EventEnvelope[] = [];
    await kafka.runtime(g, [handler('new_user', 2, (e) => void second.push(e))]);
    await waitFor('the second run to handle the new record', () => second.length === 1);
    expect(names(second)).toEqual(['c']);
  });

  it('on shutdown mid-batch finishes the record in flight, commits it, and nothing after it', async () => {
    const g = group();
    await kafka.createTopics([g]);
    const userId = randomUUID();
    await (
      await kafka.publisher()
    ).publishAll(['a', 'b', 'c'].map((name) => ({ type: 'new_user', payload: newUser(name, userId) })));
    let release: () => void = () => undefined;
    const started: string[] = [];
    const runtime = await kafka.runtime(g, [
      handler('new_user', 2, async (e) => {
        started.push(names([e])[0] as string);
        if (started.length === 1) await new Promise<void>((resolve) => (release = resolve));
      }),
    ]);
    await waitFor('the first handler to start', () => started.length === 1);
    const stopping = runtime.stop();
    release();
    await stopping;

    expect(started).toEqual(['a']);
    expect([...(await kafka.committed(g)).values()].filter((offset) => offset >= 0n)).toEqual([1n]);
    expect(runtime.status.state).toBe('stopped');
  });

  it('abandons a handler still running at the shutdown deadline, and commits nothing even when it ends later', async () => {
    const g = group();
    await kafka.createTopics([g]);
    await (await kafka.publisher()).publish('new_user', newUser('stuck'));
    let started = false;
    let release: () => void = () => undefined;
    const runtime = await kafka.runtime(
      g,
      [
        handler('new_user', 2, async () => {
          started = true;
          await new Promise<void>((resolve) => (release = resolve));
        }),
      ],
      { shutdownTimeoutMs: 300 },
    );
    await waitFor('the handler to start', () => started);
    await runtime.stop();
    expect([...(await kafka.committed(g)).values()].every((offset) => offset === -1n)).toBe(true);

    release(); // the handler finishes after the deadline: its work was abandoned, so it stays uncommitted
    await waitFor('the late handler to finish', async () => {
      const handled = (await kafka.metrics.consumed.get()).values.find((v) => v.labels['outcome'] === 'handled');
      return handled?.value === 1;
    });
    expect([...(await kafka.committed(g)).values()].every((offset) => offset === -1n)).toBe(true);
  });

  /** A runtime on a real consumer whose run() the test sees (and may act in) before kafkajs joins the group. */
  function runtimeWatchingRun(g: string, onRun: (runtime: ConsumerRuntime) => void): ConsumerRuntime {
    const consumer = kafka.client.consumer(g);
    const watched: KafkaConsumerPort = {
      connect: () => consumer.connect(),
      subscribe: (topics, options) => consumer.subscribe(topics, options),
      run: (options) => {
        const joining = consumer.run(options);
        onRun(runtime);
        return joining;
      },
      stop: () => consumer.stop(),
      disconnect: () => consumer.disconnect(),
      onCrash: (listener) => consumer.onCrash(listener),
      onJoin: (listener) => consumer.onJoin(listener),
    };
    const runtime = new ConsumerRuntime(
      {
        groupId: g,
        topics: [kafka.topic],
        deadLetterTopic: () => kafka.dlqTopic(g),
        handlers: [],
        retry: kafka.config.retry,
        shutdownTimeoutMs: kafka.config.shutdownTimeoutMs,
      },
      { consumer: watched, producer: kafka.client.producer(), codec: kafka.codec },
    );
    return runtime;
  }

  it('never joins its group when stopped while it connects', async () => {
    const g = group();
    await kafka.createTopics([g]);
    let ran = false;
    const runtime = runtimeWatchingRun(g, () => (ran = true));

    const starting = runtime.start();
    await runtime.stop();
    await starting.catch(() => undefined);
    expect(ran).toBe(false);
    expect(runtime.status.state).toBe('stopped');
  });

  it('leaves its group when stopped while it joins, and does not come back', async () => {
    const g = group();
    await kafka.createTopics([g]);
    let stopped: Promise<void> | undefined;
    // Stopped while kafkajs joins the group.
    const runtime = runtimeWatchingRun(g, (running) => (stopped = running.stop()));

    await runtime.start().catch(() => undefined);
    await stopped;
    // Only a group without members can be deleted.
    await expect(kafka.admin.deleteGroup(g)).resolves.toBeUndefined();
    expect(await kafka.admin.listGroups()).not.toContain(g);
  });

  it('does not commit past a record whose DLQ write failed', async () => {
    const g = group();
    await kafka.createTopics([]); // no DLQ topic: the dead-letter write must fail
    await kafka.produceRaw([{ key: 'k', value: Buffer.from('poison'), headers: {} }]);
    const runtime = await kafka.runtime(g, [handler('new_user', 2, () => undefined)]);

    await waitFor('the consumer to fail on the DLQ write', () =>
      ['restarting', 'crashed'].includes(runtime.status.state),
    );
    expect(runtime.status.error).toMatch(/does not exist/);
    expect([...(await kafka.committed(g)).values()].every((offset) => offset === -1n)).toBe(true);
  });
});
