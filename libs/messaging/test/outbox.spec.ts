import { EventPublisher, TransientError, namespaced } from '@kafka-platform/kafka';
import { METRICS_REGISTRY } from '@kafka-platform/service';
import { stackEndpoints, waitFor } from '@kafka-platform/testing';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Outbox } from '../src';
import { messagingTestEnv, readEventRecords, startMessagingApp } from './messaging-app';
import type { MessagingTestEnv } from './messaging-app';

jest.setTimeout(60_000);

const updated = (userId: string, name: string) => ({ userId, email: `${userId}@example.com`, name, locale: 'en' });

async function topicSize(topic: string): Promise<number> {
  const admin = new Kafka({ brokers: stackEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

const pending = async (dataSource: DataSource) =>
  Number((await dataSource.query(`SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL`))[0].n);

describe('outbox and relay (real PostgreSQL and Kafka)', () => {
  let test: MessagingTestEnv;
  const apps: INestApplication[] = [];
  const start = async (options: Parameters<typeof startMessagingApp>[1] = { outbox: { pollIntervalMs: 200 } }) => {
    const started = await startMessagingApp(test.env(), options);
    apps.push(started.app);
    return { ...started, outbox: started.app.get(Outbox) };
  };

  beforeEach(async () => {
    test = await messagingTestEnv();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await test.database.drop();
  });

  it('publishes committed rows in write order per key, with the event id and correlation stored at write time', async () => {
    const { dataSource, outbox } = await start();
    const users = [randomUUID(), randomUUID(), randomUUID()];
    const written: { key: string; eventId: string; correlationId: string }[] = [];
    for (let round = 0; round < 10; round++) {
      for (const user of users) {
        const envelope = await dataSource.transaction((manager) =>
          outbox.add(manager, 'user_updated', updated(user, `name ${round}`)),
        );
        written.push({ key: user, eventId: envelope.id, correlationId: envelope.correlationId });
      }
    }
    const read = await readEventRecords(test.topic, written.length);
    for (const user of users) {
      const order = (list: { key: string; eventId: string }[]) =>
        list.filter((r) => r.key === user).map((r) => r.eventId);
      const sorted = [...read].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
      expect(order(sorted)).toEqual(order(written));
    }
    expect(read.map((r) => r.correlationId).sort()).toEqual(written.map((w) => w.correlationId).sort());
    await waitFor('the outbox to be drained', async () => (await pending(dataSource)) === 0);
    expect(await topicSize(test.topic)).toBe(written.length);
  });

  it('sends nothing for a transaction that rolls back', async () => {
    const { dataSource, outbox, app } = await start();
    await expect(
      dataSource.transaction(async (manager) => {
        await outbox.add(manager, 'user_deleted', { userId: randomUUID() });
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    const committed = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    const [only] = await readEventRecords(test.topic, 1);
    expect(only?.eventId).toBe(committed.id);
    expect(await pending(dataSource)).toBe(0);
    expect(await topicSize(test.topic)).toBe(1);
    void app;
  });

  it('refuses a payload the schema refuses, before anything commits', async () => {
    const { dataSource, outbox } = await start();
    await expect(
      dataSource.transaction((manager) => outbox.add(manager, 'user_updated', { userId: randomUUID(), name: 42 })),
    ).rejects.toMatchObject({ code: 'INVALID_PAYLOAD', retryable: false });
    expect(Number((await dataSource.query(`SELECT count(*) AS n FROM outbox`))[0].n)).toBe(0);
  });

  it('publishes a row that commits after a later row was already sent (no last-id cursor)', async () => {
    const { dataSource, outbox } = await start();
    const late = dataSource.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    const lateEvent = await outbox.add(late.manager, 'user_deleted', { userId: randomUUID() });
    const early = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    const [first] = await readEventRecords(test.topic, 1);
    expect(first?.eventId).toBe(early.id);
    await late.commitTransaction();
    await late.release();
    const all = await readEventRecords(test.topic, 2);
    expect(all.map((r) => r.eventId).sort()).toEqual([early.id, lateEvent.id].sort());
  });

  it('two relays on one database publish every row exactly once, in order per key', async () => {
    const first = await start({ outbox: { relay: false } });
    const users = Array.from({ length: 10 }, () => randomUUID());
    const written: { key: string; eventId: string }[] = [];
    await first.dataSource.transaction(async (manager) => {
      for (let round = 0; round < 20; round++) {
        for (const user of users) {
          const envelope = await first.outbox.add(manager, 'user_updated', updated(user, `n${round}`));
          written.push({ key: user, eventId: envelope.id });
        }
      }
    });
    // Small batches, so both relays take turns on the same rows many times.
    await Promise.all([
      start({ outbox: { batchSize: 7, pollIntervalMs: 50 } }),
      start({ outbox: { batchSize: 7, pollIntervalMs: 50 } }),
    ]);
    await waitFor('both relays to drain the outbox', async () => (await pending(first.dataSource)) === 0, {
      timeoutMs: 40_000,
    });
    const read = await readEventRecords(test.topic, written.length);
    expect(await topicSize(test.topic)).toBe(written.length);
    expect(new Set(read.map((r) => r.eventId)).size).toBe(written.length);
    const sorted = [...read].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    for (const user of users) {
      expect(sorted.filter((r) => r.key === user).map((r) => r.eventId)).toEqual(
        written.filter((w) => w.key === user).map((w) => w.eventId),
      );
    }
  });

  it('keeps rows pending while publishing fails, records why, and drains them once Kafka answers again', async () => {
    const { app, dataSource, outbox } = await start();
    const publisher = app.get(EventPublisher);
    const outage = jest
      .spyOn(publisher, 'publishAll')
      .mockRejectedValue(new TransientError('KAFKA_UNAVAILABLE', 'broker not reachable'));
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    await waitFor('the failure to be recorded on the row', async () => {
      const [row] = await dataSource.query(`SELECT attempts, last_error, sent_at FROM outbox WHERE event_id = $1`, [
        event.id,
      ]);
      return row.attempts >= 2 && row.sent_at === null && String(row.last_error).includes('KAFKA_UNAVAILABLE');
    });
    outage.mockRestore();
    const [published] = await readEventRecords(test.topic, 1);
    expect(published?.eventId).toBe(event.id);
    await waitFor('the row to be marked sent', async () => (await pending(dataSource)) === 0);
  });

  it('reports pending rows and the age of the oldest one as metrics', async () => {
    const { app, dataSource, outbox } = await start({ outbox: { relay: false } });
    await dataSource.transaction((manager) => outbox.add(manager, 'user_deleted', { userId: randomUUID() }));
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '90 seconds'`);
    const metrics = await app.get<Registry>(METRICS_REGISTRY).metrics();
    expect(metrics).toMatch(/^outbox_pending_rows\{service="messaging-test"\} 1$/m);
    const age = Number(/^outbox_oldest_pending_age_seconds\{[^}]*\} ([\d.]+)$/m.exec(metrics)?.[1]);
    expect(age).toBeGreaterThanOrEqual(90);
    expect(namespaced(test.namespace, 'user-events')).toBe(test.topic);
  });
});
