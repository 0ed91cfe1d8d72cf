import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dashboard's read model. Every table is derived from user-events alone, so a replay may truncate and
 * rebuild all of them (see projection-tables.ts). Only masked addresses are stored: the dashboard never needs more.
 */
export class CreateDashboardProjections1763900000100 implements MigrationInterface {
  name = 'CreateDashboardProjections1763900000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE dashboard_users (
        user_id       text PRIMARY KEY,
        name          text NOT NULL,
        masked_email  text NOT NULL,
        locale        text NOT NULL,
        created_at    timestamptz NOT NULL
      )`);
    // Recent signups read the newest rows; the user id breaks ties so the order is stable across rebuilds.
    await runner.query(`CREATE INDEX dashboard_users_recent ON dashboard_users (created_at DESC, user_id DESC)`);
    await runner.query(`
      CREATE TABLE dashboard_counters (
        name   text PRIMARY KEY,
        value  bigint NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE dashboard_signups_per_day (
        day    date PRIMARY KEY,
        count  bigint NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE dashboard_signups_per_day`);
    await runner.query(`DROP TABLE dashboard_counters`);
    await runner.query(`DROP TABLE dashboard_users`);
  }
}
