import type { EntityManager } from 'typeorm';

/** Empties the read model, in the caller's transaction (a replay clears the inbox in the same one). */
export async function truncateProjections(manager: EntityManager): Promise<void> {
  await manager.query(`TRUNCATE dashboard_users, dashboard_counters, dashboard_signups_per_day`);
}
