import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding: each user's data key, wrapped under the key-encryption key, kept with the user so the row's
 * deletion destroys it in the same transaction. Users from before this column get theirs at their next change.
 */
export class AddUserDataKeys1765000000000 implements MigrationInterface {
  name = 'AddUserDataKeys1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE users ADD COLUMN wrapped_key text`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE users DROP COLUMN wrapped_key`);
  }
}
