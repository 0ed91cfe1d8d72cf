import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSentEmails1764000000000 implements MigrationInterface {
  name = 'CreateSentEmails1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sent_emails (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id    uuid NOT NULL UNIQUE,
        user_id     text NOT NULL,
        recipient   text,
        subject     text,
        language    text NOT NULL,
        message_id  text NOT NULL,
        sent_at     timestamptz NOT NULL DEFAULT now(),
        erased_at   timestamptz
      )`);
    // GET /emails reads the newest rows; erasure finds a user's rows.
    await runner.query(`CREATE INDEX sent_emails_sent_at ON sent_emails (sent_at DESC, id DESC)`);
    await runner.query(`CREATE INDEX sent_emails_user_id ON sent_emails (user_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE sent_emails`);
  }
}
