import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signups per minute and locale that signup-analytics derives (`signups_per_minute` on the compacted topic
 * user-signups-per-minute), one row per window and locale with its latest count. Part of every generation, so a
 * replay rebuilds it from that topic too. Run by the service's migrations, it adds the table to each generation that
 * exists (live, and building if a replay is under way); run for a new generation (createGenerationTables), that
 * generation's row is already in the control table, in the same transaction, and gets it the same way.
 */
export class SignupsPerMinuteProjection1764400000100 implements MigrationInterface {
  name = 'SignupsPerMinuteProjection1764400000100';

  async up(runner: QueryRunner): Promise<void> {
    for (const schema of await generationSchemas(runner)) {
      await runner.query(`
        CREATE TABLE IF NOT EXISTS ${schema}.dashboard_signups_per_minute (
          window_start  timestamptz NOT NULL,
          locale        text NOT NULL,
          count         bigint NOT NULL,
          final         boolean NOT NULL,
          PRIMARY KEY (window_start, locale)
        )`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const schema of await generationSchemas(runner)) {
      await runner.query(`DROP TABLE IF EXISTS ${schema}.dashboard_signups_per_minute`);
    }
  }
}

async function generationSchemas(runner: QueryRunner): Promise<string[]> {
  const rows: { schema_name: string }[] = await runner.query(
    `SELECT schema_name FROM public.dashboard_generations WHERE state IN ('live', 'building') ORDER BY id`,
  );
  return rows.map((row) => row.schema_name);
}
