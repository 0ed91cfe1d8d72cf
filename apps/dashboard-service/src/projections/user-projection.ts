import type { EntityManager } from 'typeorm';
import { maskEmail } from '../stats/mask-email';

/** The profile fields new_user and user_updated both carry in full. */
export interface UserProfile {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly locale: string;
}

/**
 * Writes the user's profile, creating the row when the user has not signed up yet (an update that came first).
 * Callers write it only for the newest event of the user and never for a deleted one.
 */
export async function saveProfile(manager: EntityManager, { userId, name, email, locale }: UserProfile): Promise<void> {
  await manager.query(
    `INSERT INTO dashboard_users (user_id, name, masked_email, locale) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE
       SET name = EXCLUDED.name, masked_email = EXCLUDED.masked_email, locale = EXCLUDED.locale`,
    [userId, name, maskEmail(email), locale],
  );
}

/** The user counts and shows from now on; the first signup applied fixes the time. */
export async function markSignedUp(manager: EntityManager, userId: string, at: string): Promise<void> {
  await manager.query(
    `UPDATE dashboard_users SET created_at = coalesce(created_at, $2::timestamptz) WHERE user_id = $1`,
    [userId, at],
  );
}

/**
 * Counts a signup once per user, deleted or not: the created count and the signups of the event's UTC day go up
 * only when the user's signup row is new, so a re-published signup (another event id) cannot count twice.
 */
export async function countSignup(manager: EntityManager, userId: string, at: string): Promise<void> {
  await manager.query(
    `WITH added AS (
       INSERT INTO dashboard_signups (user_id, day) VALUES ($1, ($2::timestamptz AT TIME ZONE 'UTC')::date)
       ON CONFLICT (user_id) DO NOTHING
       RETURNING day
     ), counted AS (
       INSERT INTO dashboard_counters (name, value) SELECT 'created', 1 FROM added
       ON CONFLICT (name) DO UPDATE SET value = dashboard_counters.value + 1
     )
     INSERT INTO dashboard_signups_per_day (day, count) SELECT day, 1 FROM added
     ON CONFLICT (day) DO UPDATE SET count = dashboard_signups_per_day.count + 1`,
    [userId, at],
  );
}

/** Removes the user's profile (name, masked address): nothing personal of a deleted user stays. */
export async function forgetUser(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`DELETE FROM dashboard_users WHERE user_id = $1`, [userId]);
}

export async function countDeletion(manager: EntityManager): Promise<void> {
  await manager.query(
    `INSERT INTO dashboard_counters (name, value) VALUES ('deleted', 1)
     ON CONFLICT (name) DO UPDATE SET value = dashboard_counters.value + 1`,
  );
}
