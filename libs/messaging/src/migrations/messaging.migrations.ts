import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events waiting for the relay, written in the same transaction as the state change they describe. */
export class CreateOutbox1763900000000 implements MigrationInterface {
  name = 'CreateOutbox1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox (
        id          bigserial PRIMARY KEY,
        event_id    uuid NOT NULL UNIQUE,
        event_type  text NOT NULL,
        version     integer NOT NULL,
        key         text NOT NULL,
        payload     jsonb NOT NULL,
        metadata    jsonb NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        sent_at     timestamptz,
        attempts    integer NOT NULL DEFAULT 0,
        last_error  text
      )`);
    // The relay only ever reads pending rows; partial indexes keep that cheap however many rows were sent.
    await runner.query(`CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL`);
    await runner.query(`CREATE INDEX outbox_pending_key ON outbox (key, id) WHERE sent_at IS NULL`);
    await runner.query(`CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE outbox`);
  }
}

/** Ids of the events a consumer has applied: the effect and this row commit together, so a redelivery is a no-op. */
export class CreateInbox1763900000001 implements MigrationInterface {
  name = 'CreateInbox1763900000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE inbox (
        event_id    uuid PRIMARY KEY,
        event_type  text NOT NULL,
        handled_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE inbox`);
  }
}

/**
 * Per aggregate key, the newest event applied and the tombstone of a deleted aggregate (see AggregateVersions):
 * lets a consumer apply a key's events in any order and end up as if in order. A row with no position is a
 * tombstone carried over from elsewhere (no event known yet): any event is newer.
 */
export class CreateAggregateVersions1764200000000 implements MigrationInterface {
  name = 'CreateAggregateVersions1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE aggregate_versions (
        key          text PRIMARY KEY,
        sequence     numeric,
        occurred_at  timestamptz,
        event_id     uuid,
        deleted_at   timestamptz
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE aggregate_versions`);
  }
}

/**
 * Rows that fail for good are parked instead of blocking the outbox, and a relay claims rows for a bounded time
 * instead of holding a transaction open across the Kafka publish (see OutboxRelay).
 * - `state`: pending (to publish), sent, parked (failed for good, blocks later rows of its key only), discarded
 *   (an operator gave up on it; later rows of its key flow again).
 * - `available_at`: not before then: a relay's claim lasts until then, and a failed row waits its backoff.
 * - `failures`: failures that were not an outage (an unknown schema, an ACL denial...); parked at a bound.
 */
export class OutboxParking1764100000000 implements MigrationInterface {
  name = 'OutboxParking1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE outbox
        ADD COLUMN state text NOT NULL DEFAULT 'pending'
          CHECK (state IN ('pending', 'sent', 'parked', 'discarded')),
        ADD COLUMN available_at timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN claimed_by uuid,
        ADD COLUMN failures integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error_at timestamptz,
        ADD COLUMN parked_at timestamptz,
        ADD COLUMN resolved_at timestamptz`);
    await runner.query(`UPDATE outbox SET state = 'sent' WHERE sent_at IS NOT NULL`);
    // Open rows (pending or parked) are what the relay reads and what holds back later rows of the same key.
    await runner.query(`DROP INDEX outbox_pending`);
    await runner.query(`DROP INDEX outbox_pending_key`);
    await runner.query(`CREATE INDEX outbox_open ON outbox (id) WHERE state IN ('pending', 'parked')`);
    await runner.query(`CREATE INDEX outbox_open_key ON outbox (key, id) WHERE state IN ('pending', 'parked')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX outbox_open_key`);
    await runner.query(`DROP INDEX outbox_open`);
    await runner.query(`CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL`);
    await runner.query(`CREATE INDEX outbox_pending_key ON outbox (key, id) WHERE sent_at IS NULL`);
    await runner.query(`
      ALTER TABLE outbox DROP COLUMN state, DROP COLUMN available_at, DROP COLUMN claimed_by,
        DROP COLUMN failures, DROP COLUMN last_error_at, DROP COLUMN parked_at, DROP COLUMN resolved_at`);
  }
}

/**
 * The outbox of the CDC relay (OUTBOX_RELAY=cdc, see outbox/cdc): each row is a Kafka record encoded at write time,
 * which Debezium reads from the WAL insert and its outbox EventRouter publishes as it is. Every record field is a
 * column Debezium copies verbatim: `route` (the topic), `key`, `value` (Confluent wire format bytes) and one text
 * column per header, the same strings the polling relay writes. `id` comes from the polling outbox's sequence, so
 * `event-sequence` keeps growing per key when a service switches relay. The publication carries inserts only: rows
 * are deleted in the transaction that wrote them, and the deletes need not reach Kafka Connect. Both relays' tables
 * exist in every service; only the configured relay's is written.
 */
export class CreateOutboxCdc1764300000000 implements MigrationInterface {
  name = 'CreateOutboxCdc1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE outbox_cdc (
        id              bigint PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
        route           text NOT NULL,
        key             text NOT NULL,
        value           bytea NOT NULL,
        event_id        text NOT NULL,
        event_type      text NOT NULL,
        schema_version  text NOT NULL,
        occurred_at     text NOT NULL,
        correlation_id  text NOT NULL,
        causation_id    text,
        traceparent     text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE PUBLICATION outbox_cdc FOR TABLE outbox_cdc WITH (publish = 'insert')`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP PUBLICATION outbox_cdc`);
    await runner.query(`DROP TABLE outbox_cdc`);
  }
}

/** Every migration of the outbox, in order: list them in a publishing service's TypeORM migrations. */
export const OUTBOX_MIGRATIONS = [CreateOutbox1763900000000, OutboxParking1764100000000, CreateOutboxCdc1764300000000];
