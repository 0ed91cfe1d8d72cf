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
