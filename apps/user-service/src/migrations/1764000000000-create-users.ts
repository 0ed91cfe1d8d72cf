import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The users table; the unique index is what makes a duplicate email a 409 even under concurrent sign-ups. */
export class CreateUsers1764000000000 implements MigrationInterface {
  name = 'CreateUsers1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email       text NOT NULL,
        name        text NOT NULL,
        locale      text NOT NULL DEFAULT 'en',
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Case-insensitive: "Ann@x.io" and "ann@x.io" are the same mailbox for every provider that matters.
    await runner.query(`CREATE UNIQUE INDEX ${USERS_EMAIL_UNIQUE} ON users (lower(email))`);
    // GET /users pages newest first.
    await runner.query(`CREATE INDEX users_created_at ON users (created_at DESC, id DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE users`);
  }
}

/** Named, so a unique violation can be told apart from any other one. */
export const USERS_EMAIL_UNIQUE = 'users_email_lower_key';
