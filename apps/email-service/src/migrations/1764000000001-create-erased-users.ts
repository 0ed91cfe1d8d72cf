import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ids of deleted users: a new_user that arrives after the user's deletion (a DLQ redrive, a replay) must not
 * mail the address again. Only the id is kept, which is not personal data beyond what sent_emails holds.
 */
export class CreateErasedUsers1764000000001 implements MigrationInterface {
  name = 'CreateErasedUsers1764000000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE erased_users (user_id uuid PRIMARY KEY, erased_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE erased_users`);
  }
}
