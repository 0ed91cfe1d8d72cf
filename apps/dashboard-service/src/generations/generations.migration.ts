import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Projection generations (see generation.ts and the app's README, "Replay"): a control table, and the read model
 * with its inbox and users' versions moved from `public` into the first generation's schema, `dashboard_g1`, which
 * is live. A replay builds the next generation in its own schema and switches to it.
 */
export class DashboardGenerations1764300000100 implements MigrationInterface {
  name = 'DashboardGenerations1764300000100';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE public.dashboard_generations (
        id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        schema_name            text GENERATED ALWAYS AS ('dashboard_g' || id) STORED,
        state                  text NOT NULL CHECK (state IN ('building', 'live', 'retired', 'failed')),
        created_at             timestamptz NOT NULL DEFAULT now(),
        handover               jsonb,
        switched_at            timestamptz,
        finished_at            timestamptz,
        applied                bigint,
        failure                jsonb,
        rebuild_group_deleted  boolean NOT NULL DEFAULT false
      )`);
    // One live generation, at most one being built: a second replay is refused by the database itself.
    await runner.query(
      `CREATE UNIQUE INDEX dashboard_generations_live ON public.dashboard_generations ((true)) WHERE state = 'live'`,
    );
    await runner.query(
      `CREATE UNIQUE INDEX dashboard_generations_building ON public.dashboard_generations ((true))
        WHERE state = 'building'`,
    );
    // The first generation was not rebuilt: it has no rebuild group to delete.
    await runner.query(`INSERT INTO public.dashboard_generations (state, rebuild_group_deleted) VALUES ('live', true)`);
    await runner.query(`CREATE SCHEMA dashboard_g1`);
    for (const table of MOVED) await runner.query(`ALTER TABLE public.${table} SET SCHEMA dashboard_g1`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const [live]: { schema_name: string }[] = await runner.query(
      `SELECT schema_name FROM public.dashboard_generations WHERE state = 'live'`,
    );
    const schema = live?.schema_name ?? 'dashboard_g1';
    for (const table of MOVED) await runner.query(`ALTER TABLE ${schema}.${table} SET SCHEMA public`);
    await runner.query(`DROP SCHEMA ${schema} CASCADE`);
    await runner.query(`DROP TABLE public.dashboard_generations`);
  }
}

const MOVED = [
  'inbox',
  'aggregate_versions',
  'dashboard_users',
  'dashboard_signups',
  'dashboard_counters',
  'dashboard_signups_per_day',
] as const;
