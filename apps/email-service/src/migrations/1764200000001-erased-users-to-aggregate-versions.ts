import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleted users are now tombstones in the messaging library's aggregate_versions (AggregateVersions), which
 * every handler consults in its inbox transaction; erased_users, this service's own copy of the idea, goes.
 * The ids erased so far are carried over, so a late new_user of one of them still mails no one.
 */
export class ErasedUsersToAggregateVersions1764200000001 implements MigrationInterface {
  name = 'ErasedUsersToAggregateVersions1764200000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT INTO aggregate_versions (key, deleted_at)
      SELECT user_id::text, erased_at FROM erased_users
      ON CONFLICT (key) DO UPDATE SET deleted_at = coalesce(aggregate_versions.deleted_at, EXCLUDED.deleted_at)`);
    await runner.query(`DROP TABLE erased_users`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE erased_users (user_id uuid PRIMARY KEY, erased_at timestamptz NOT NULL DEFAULT now())`,
    );
    await runner.query(`
      INSERT INTO erased_users (user_id, erased_at)
      SELECT key::uuid, deleted_at FROM aggregate_versions WHERE deleted_at IS NOT NULL`);
  }
}
