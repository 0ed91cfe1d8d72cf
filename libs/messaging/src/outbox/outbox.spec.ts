import type { LatestEventPayload } from '@kafka-platform/events';
import { EventPublisher, HEADER, namespaced, toHeaders } from '@kafka-platform/kafka';
import { TransientError } from '@kafka-platform/core';
import { METRICS_REGISTRY } from '@kafka-platform/core';
import { readTopic, stackEndpoints, topicSize, waitFor } from '@kafka-platform/testing';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Outbox, discardParked, listOutbox, retryParked } from '..';
import { messagingTestEnv, readEventRecords, startMessagingApp } from '../../test/test-support/messaging-app';
import type { MessagingTestEnv, ReadRecord } from '../../test/test-support/messaging-app';

jest.setTimeout(60_000);

const updated = (userId: string, name: string) => ({
  userId,
  email: `${userId}@example.com`,
  name,
  locale: 'en',
  personalData: null,
});

const pending = async (dataSource: DataSource) =>
  Number((await dataSource.query(`SELECT count(*) AS n FROM outbox WHERE state = 'pending'`))[0].n);

const rowOf = async (dataSource: DataSource, eventId: string) =>
  (
    (await dataSource.query(
      `SELECT id::text, state, attempts, failures, last_error, claimed_by, sent_at FROM outbox WHERE event_id = $1`,
      [eventId],
    )) as {
      id: string;
      state: string;
      attempts: number;
      failures: number;
      last_error: string | null;
      claimed_by: string | null;
      sent_at: Date | null;
    }[]
  )[0];

/** A row the relay can never publish (an event type the catalog does not know), written behind Outbox.add's back. */
async function insertBadRow(dataSource: DataSource, key: string): Promise<string> {
  const eventId = randomUUID();
  const metadata = { occurredAt: new Date().toISOString(), correlationId: eventId, causationId: null, traceparent: '' };
  await dataSource.query(
    `INSERT INTO outbox (event_id, event_type, version, key, payload, metadata) VALUES ($1, 'user_renamed', 1, $2, '{}', $3)`,
    [eventId, key, JSON.stringify(metadata)],
  );
  return eventId;
}

/** What a database restart does to the relay's LISTEN connection: the server ends it (as the postgres admin). */
async function killListener(database: string): Promise<void> {
  const admin = new Client({
    host: stackEndpoints().postgres.host,
    port: stackEndpoints().postgres.port,
    user: 'postgres',
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`,
      [database],
    );
    expect(rowCount).toBe(1);
  } finally {
    await admin.end();
  }
}

type Written = { key: string; eventId: string };

/** `rounds` user_updated rows for each of `users` keys, committed in one transaction by a relay-less app. */
async function writeBacklog(writer: { dataSource: DataSource; outbox: Outbox }, users: number, rounds: number) {
  const keys = Array.from({ length: users }, () => randomUUID());
  const written: Written[] = [];
  await writer.dataSource.transaction(async (manager) => {
    for (let round = 0; round < rounds; round++) {
      for (const key of keys) {
        const envelope = await writer.outbox.add(manager, 'user_updated', updated(key, `n${round}`));
        written.push({ key, eventId: envelope.id });
      }
    }
  });
  return { keys, written };
}

/** Every key's events were read in the order they were written (partition by partition, offset order). */
function expectKeyOrder(read: readonly ReadRecord[], written: readonly Written[], keys: readonly string[]) {
  const sorted = [...read].sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  for (const key of keys) {
    expect(sorted.filter((r) => r.key === key).map((r) => r.eventId)).toEqual(
      written.filter((w) => w.key === key).map((w) => w.eventId),
    );
  }
}

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

  it('publishes the envelope Outbox.add built, as the row stores it: key and every header', async () => {
    const { dataSource, outbox } = await start();
    const envelope = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_updated', updated(randomUUID(), 'Stored')),
    );
    const [record] = await readTopic(test.topic, (records) => records.length >= 1);
    const [row] = (await dataSource.query(`SELECT id::text FROM outbox WHERE event_id = $1`, [envelope.id])) as {
      id: string;
    }[];
    expect(record?.key).toBe(envelope.key);
    expect(record?.headers).toEqual({ ...toHeaders(envelope), [HEADER.sequence]: row?.id });
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
    await waitFor('the row to be settled as sent', async () => (await pending(dataSource)) === 0);
    expect(await topicSize(test.topic)).toBe(1);
    void app;
  });

  it('refuses a payload the schema refuses, before anything commits', async () => {
    const { dataSource, outbox } = await start();
    // The compiler refuses it too (outbox.types.spec.ts); a value from parsed JSON or a cast reaches the schema.
    const invalid = { userId: randomUUID(), name: 42 } as unknown as LatestEventPayload<'user_updated'>;
    await expect(
      dataSource.transaction((manager) => outbox.add(manager, 'user_updated', invalid)),
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
    const { keys, written } = await writeBacklog(first, 10, 20);
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
    expectKeyOrder(read, written, keys);
  });

  it('keeps rows pending through an outage of any length (never parked), records why, and drains them afterwards', async () => {
    const { app, dataSource, outbox } = await start({ outbox: { pollIntervalMs: 50, maxBackoffMs: 100 } });
    const publisher = app.get(EventPublisher);
    const outage = jest
      .spyOn(publisher, 'send')
      .mockRejectedValue(new TransientError('KAFKA_UNAVAILABLE', 'broker not reachable'));
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    const failing = await waitFor('many failed attempts recorded on the row', async () => {
      const row = await rowOf(dataSource, event.id);
      return row && row.attempts > 10 && row;
    });
    expect(failing).toMatchObject({ state: 'pending', failures: 0, sent_at: null, claimed_by: null });
    expect(failing.last_error).toContain('KAFKA_UNAVAILABLE');
    outage.mockRestore();
    const [published] = await readEventRecords(test.topic, 1);
    expect(published?.eventId).toBe(event.id);
    await waitFor('the row to be marked sent', async () => (await rowOf(dataSource, event.id))?.state === 'sent');
  });

  it('parks a row that fails for good after a bounded number of attempts, while every other key keeps flowing', async () => {
    const { dataSource, outbox } = await start({ outbox: { pollIntervalMs: 50, maxBackoffMs: 100 } });
    const [stuckUser, otherUser] = [randomUUID(), randomUUID()];
    const before = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_updated', updated(stuckUser, 'before')),
    );
    const bad = await insertBadRow(dataSource, stuckUser);
    const after = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_updated', updated(stuckUser, 'after')),
    );
    const others = [];
    for (let i = 0; i < 5; i++) {
      others.push(
        await dataSource.transaction((manager) => outbox.add(manager, 'user_updated', updated(otherUser, `o${i}`))),
      );
    }

    await waitFor('the bad row to be parked', async () => (await rowOf(dataSource, bad))?.state === 'parked');
    const parked = await rowOf(dataSource, bad);
    expect(parked).toMatchObject({ failures: 5, attempts: 5, claimed_by: null });
    expect(parked?.last_error).toMatch(/^UNKNOWN_EVENT_TYPE: .*user_renamed/);
    // The error is on the row that failed, not on the oldest pending one.
    expect((await rowOf(dataSource, before.id))?.last_error).toBeNull();
    const read = await readEventRecords(test.topic, 6);
    expect(read.map((r) => r.eventId).sort()).toEqual([before.id, ...others.map((o) => o.id)].sort());
    // Only the later row of the parked row's key waits behind it.
    expect(await rowOf(dataSource, after.id)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('lets an operator list a parked row, retry it once fixed (in order), and discard another', async () => {
    const { dataSource, outbox } = await start({ outbox: { pollIntervalMs: 50, maxBackoffMs: 100 } });
    const [fixedUser, droppedUser] = [randomUUID(), randomUUID()];
    const toFix = await insertBadRow(dataSource, fixedUser);
    const afterFix = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_updated', updated(fixedUser, 'after the fix')),
    );
    const toDrop = await insertBadRow(dataSource, droppedUser);
    const afterDrop = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_updated', updated(droppedUser, 'after the discard')),
    );
    await waitFor('both bad rows to be parked', async () =>
      [await rowOf(dataSource, toFix), await rowOf(dataSource, toDrop)].every((row) => row?.state === 'parked'),
    );
    const client = new Client({ connectionString: test.database.url });
    await client.connect();
    try {
      const listed = await listOutbox(client);
      expect(listed.map((entry) => [entry.eventId, entry.state, entry.waitingBehind])).toEqual([
        [toFix, 'parked', 1],
        [toDrop, 'parked', 1],
      ]);
      expect(listed[0]?.lastError).toMatch(/UNKNOWN_EVENT_TYPE/);

      // The cause is fixed (here: the row is given a type the catalog knows), then the row is retried.
      await dataSource.query(`UPDATE outbox SET event_type = 'user_deleted', payload = $2 WHERE event_id = $1`, [
        toFix,
        JSON.stringify({ userId: fixedUser }),
      ]);
      const fixedId = (await rowOf(dataSource, toFix))?.id as string;
      expect(await retryParked(client, fixedId)).toEqual([fixedId]);
      expect(await discardParked(client, (await rowOf(dataSource, toDrop))?.id as string)).toBe(true);
      expect(await retryParked(client, fixedId)).toEqual([]);
      await expect(retryParked(client, 'nine')).rejects.toThrow(/not an outbox row id/);
    } finally {
      await client.end();
    }
    const read = await readEventRecords(test.topic, 3);
    const ofKey = (key: string) => read.filter((r) => r.key === key).map((r) => r.eventId);
    expect(ofKey(fixedUser)).toEqual([toFix, afterFix.id]);
    expect(ofKey(droppedUser)).toEqual([afterDrop.id]);
    expect(await rowOf(dataSource, toDrop)).toMatchObject({ state: 'discarded', sent_at: null });
  });

  it('holds no transaction and no row lock while Kafka is slow to answer', async () => {
    const { app, dataSource, outbox } = await start();
    const publisher = app.get(EventPublisher);
    let release: () => void = () => undefined;
    const slow = jest.spyOn(publisher, 'send').mockImplementation(async (prepared) => {
      await new Promise<void>((resolve) => (release = resolve));
      slow.mockRestore();
      return publisher.send(prepared);
    });
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    await waitFor('the relay to be publishing', () => slow.mock.calls.length === 1);
    const [activity] = await dataSource.query(
      `SELECT count(*)::int AS open FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(activity.open).toBe(0);
    // The row is claimed (committed), not locked: another transaction can update it at once.
    expect((await rowOf(dataSource, event.id))?.claimed_by).not.toBeNull();
    await dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL lock_timeout = '500ms'`);
      await manager.query(`UPDATE outbox SET attempts = attempts WHERE event_id = $1`, [event.id]);
    });
    release();
    await waitFor('the row to be sent', async () => (await rowOf(dataSource, event.id))?.state === 'sent');
  });

  it("publishes on connections of its own while every connection of the service's pool is held", async () => {
    const { dataSource, outbox } = await start();
    // Ten open transactions: the whole TypeORM pool (PlatformModule's max 10), as under a burst of requests.
    const runners = Array.from({ length: 10 }, () => dataSource.createQueryRunner());
    await Promise.all(runners.map((runner) => runner.startTransaction()));
    try {
      const [runner] = runners as [(typeof runners)[number]];
      const event = await outbox.add(runner.manager, 'user_deleted', { userId: randomUUID() });
      await runner.commitTransaction();
      await runner.startTransaction();
      await waitFor('the row to be sent while the pool is still exhausted', async () => {
        const [row] = await runner.query(`SELECT state FROM outbox WHERE event_id = $1`, [event.id]);
        return row?.state === 'sent';
      });
    } finally {
      await Promise.all(runners.map(async (runner) => runner.rollbackTransaction().then(() => runner.release())));
    }
  });

  it('grows its claim while a backlog fills every round, up to maxBatchSize, and drains it in key order', async () => {
    const writer = await start({ outbox: { relay: false } });
    const { keys, written } = await writeBacklog(writer, 8, 150);
    const sizes: number[] = [];
    const relay = await start({ outbox: { batchSize: 50, maxBatchSize: 400, pollIntervalMs: 200 } });
    const send = jest.spyOn(relay.app.get(EventPublisher), 'send');
    send.mockImplementation(async function (this: EventPublisher, prepared) {
      sizes.push(prepared.length);
      return EventPublisher.prototype.send.call(this, prepared);
    });
    await waitFor('the backlog to drain', async () => (await pending(writer.dataSource)) === 0, { timeoutMs: 40_000 });
    // Sends of 50, 100, then the cap (a claim that found a full batch doubles the next one) until the backlog ends.
    expect(Math.max(...sizes)).toBe(400);
    expect(sizes.filter((size) => size === 400).length).toBeGreaterThanOrEqual(2);
    const read = await readEventRecords(test.topic, written.length);
    expect(await topicSize(test.topic)).toBe(written.length);
    expectKeyOrder(read, written, keys);
  });

  it('claims the next round while Kafka takes this one, and hands that claim back when it stops', async () => {
    const writer = await start({ outbox: { relay: false } });
    await writeBacklog(writer, 600, 1);
    const relay = await start({ outbox: { batchSize: 100, maxBatchSize: 100, pollIntervalMs: 200 } });
    const send = jest.spyOn(relay.app.get(EventPublisher), 'send');
    let sends = 0;
    send.mockImplementation(async function (this: EventPublisher, prepared) {
      sends += 1;
      await new Promise((resolve) => setTimeout(resolve, 500)); // a slow Kafka: the next claim lands meanwhile
      return EventPublisher.prototype.send.call(this, prepared);
    });
    const claimed = async () =>
      Number(
        (
          await writer.dataSource.query(
            `SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND claimed_by IS NOT NULL`,
          )
        )[0].n,
      );
    // One round being published and the next one claimed ahead.
    await waitFor('a round in Kafka with the next one claimed', async () => sends >= 2 && (await claimed()) === 200);

    await relay.app.close();
    apps.splice(apps.indexOf(relay.app), 1);
    expect(await claimed()).toBe(0);
    const sent = Number((await writer.dataSource.query(`SELECT count(*) AS n FROM outbox WHERE state = 'sent'`))[0].n);
    expect(await pending(writer.dataSource)).toBe(600 - sent);
    expect(await topicSize(test.topic)).toBe(sent);
  });

  it('survives its own connections being terminated mid-transaction, and still sends every row', async () => {
    const writer = await start({ outbox: { relay: false } });
    const written = new Set<string>();
    await writer.dataSource.transaction(async (manager) => {
      for (let index = 0; index < 600; index++) {
        written.add((await writer.outbox.add(manager, 'user_deleted', { userId: randomUUID() })).id);
      }
    });
    // Short claims, so rows whose settle was cut off go out again within the test.
    await start({
      outbox: { batchSize: 20, maxBatchSize: 20, pollIntervalMs: 50, claimMs: 2_000, publishTimeoutMs: 1_000 },
    });
    const admin = new Client({ ...stackEndpoints().postgres, user: 'postgres', database: 'postgres' });
    await admin.connect();
    let terminated = 0;
    try {
      // A connection ended while the relay holds it used to emit an unheard 'error' and crash the process. Its
      // connections are ended every 30 ms for 5 s (longer could starve it on a loaded machine), then it drains.
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outbox-relay'`,
        );
        terminated += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await waitFor(
        'the backlog to drain after the relay lost its connections',
        async () => (await pending(writer.dataSource)) === 0,
        {
          timeoutMs: 40_000,
        },
      );
    } finally {
      await admin.end();
    }
    expect(terminated).toBeGreaterThan(5);
    // A settle cut off after Kafka acknowledged means the rows go out again: duplicates, never a loss.
    const ids = (records: readonly { headers: Record<string, string> }[]) =>
      new Set(records.map((r) => r.headers['event-id']));
    const read = await readTopic(test.topic, (arrived) => ids(arrived).size >= written.size);
    expect(ids(read)).toEqual(written);
  });

  it('re-establishes LISTEN after its connection is killed, and wakes at once for new rows', async () => {
    // Polling every 30 s: only a notification can publish a row within a second.
    const { app, dataSource, outbox } = await start({ outbox: { pollIntervalMs: 30_000 } });
    const metrics = () => app.get<Registry>(METRICS_REGISTRY).metrics();
    await waitFor('LISTEN', async () => /^outbox_listener_connected\{[^}]*\} 1$/m.test(await metrics()));
    await killListener(test.database.name);
    await waitFor('LISTEN to be re-established', async () =>
      /^outbox_listener_connected\{[^}]*\} 1$/m.test(await metrics()),
    );
    const written = Date.now();
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, 'user_deleted', { userId: randomUUID() }),
    );
    await waitFor('the row to be sent', async () => (await rowOf(dataSource, event.id))?.state === 'sent', {
      timeoutMs: 5_000,
      intervalMs: 20,
    });
    expect(Date.now() - written).toBeLessThan(2_000);
  });

  it('reports pending rows and the age of the oldest one as metrics', async () => {
    const { app, dataSource, outbox } = await start({ outbox: { relay: false } });
    await dataSource.transaction((manager) => outbox.add(manager, 'user_deleted', { userId: randomUUID() }));
    await dataSource.query(`UPDATE outbox SET created_at = now() - interval '90 seconds'`);
    await insertBadRow(dataSource, randomUUID());
    await dataSource.query(`UPDATE outbox SET state = 'parked' WHERE event_type = 'user_renamed'`);
    const metrics = await app.get<Registry>(METRICS_REGISTRY).metrics();
    expect(metrics).toMatch(/^outbox_pending_rows\{service="messaging-test"\} 1$/m);
    expect(metrics).toMatch(/^outbox_parked_rows\{service="messaging-test"\} 1$/m);
    const age = Number(/^outbox_oldest_pending_age_seconds\{[^}]*\} ([\d.]+)$/m.exec(metrics)?.[1]);
    expect(age).toBeGreaterThanOrEqual(90);
    expect(namespaced(test.namespace, 'user-events')).toBe(test.topic);
  });
});
