import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projections that end up the same whatever the order their events arrive in (see AggregateVersions):
 * - `dashboard_users.created_at` is NULL while only a user_updated has arrived: the profile is kept, the user is
 *   not counted or shown until their new_user arrives;
 * - `dashboard_signups` holds every user whose new_user was applied, deleted or not (no personal data): the
 *   created count and the signups per day count each user once, whatever came first.
 * Existing users are carried over as signed up; users deleted before this migration left no trace to carry.
 */
export class OrderInsensitiveProjections1764200000100 implements MigrationInterface {
  name = 'OrderInsensitiveProjections1764200000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE dashboard_users ALTER COLUMN created_at DROP NOT NULL`);
    // Only signed-up users are listed, newest first.
    await runner.query(`DROP INDEX dashboard_users_recent`);
    await runner.query(
      `CREATE INDEX dashboard_users_recent ON dashboard_users (created_at DESC, user_id DESC) WHERE created_at IS NOT NULL`,
    );
    await runner.query(`CREATE TABLE dashboard_signups (user_id text PRIMARY KEY, day date NOT NULL)`);
    await runner.query(
      `INSERT INTO dashboard_signups (user_id, day) SELECT user_id, (created_at AT TIME ZONE 'UTC')::date FROM dashboard_users`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE dashboard_signups`);
    await runner.query(`DELETE FROM dashboard_users WHERE created_at IS NULL`);
    await runner.query(`DROP INDEX dashboard_users_recent`);
    await runner.query(`CREATE INDEX dashboard_users_recent ON dashboard_users (created_at DESC, user_id DESC)`);
    await runner.query(`ALTER TABLE dashboard_users ALTER COLUMN created_at SET NOT NULL`);
  }
}
