import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Generations } from '../generations/generations';
import { RECENT_SIGNUPS, SIGNUP_DAYS } from './stats';
import type { Stats } from './stats';

/** Reads the stats from the read model; all parts from one snapshot, so they never contradict each other. */
@Injectable()
export class StatsQuery {
  constructor(private readonly generations: Generations) {}

  /** The live generation's stats. */
  read(): Promise<Stats> {
    return this.generations.readLive((manager) => this.readIn(manager));
  }

  /** The stats of the generation the transaction's search_path names (a switch reads two generations this way). */
  async readIn(manager: EntityManager): Promise<Stats> {
    // One connection runs one query at a time anyway; awaiting each keeps the pg driver from queueing them.
    const counters = await this.counters(manager);
    const usersPerLocale = await this.usersPerLocale(manager);
    return {
      totalUsers: usersPerLocale.reduce((sum, { count }) => sum + count, 0),
      created: counters.get('created') ?? 0,
      deleted: counters.get('deleted') ?? 0,
      signupsPerDay: await this.signupsPerDay(manager),
      recentSignups: await this.recentSignups(manager),
      usersPerLocale,
      updatedAt: new Date().toISOString(),
    };
  }

  private async counters(manager: EntityManager): Promise<Map<string, number>> {
    const rows: { name: string; value: string }[] = await manager.query(`SELECT name, value FROM dashboard_counters`);
    return new Map(rows.map((row) => [row.name, Number(row.value)]));
  }

  private async usersPerLocale(manager: EntityManager): Promise<Stats['usersPerLocale']> {
    const rows: { locale: string; count: string }[] = await manager.query(
      `SELECT locale, count(*) AS count FROM dashboard_users WHERE created_at IS NOT NULL
        GROUP BY locale ORDER BY count(*) DESC, locale`,
    );
    return rows.map((row) => ({ locale: row.locale, count: Number(row.count) }));
  }

  private async signupsPerDay(manager: EntityManager): Promise<Stats['signupsPerDay']> {
    // to_char: the pg driver would turn a date into a local-time Date object.
    const rows: { day: string; count: string }[] = await manager.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, count
         FROM (SELECT day, count FROM dashboard_signups_per_day ORDER BY day DESC LIMIT $1) latest
        ORDER BY latest.day`,
      [SIGNUP_DAYS],
    );
    return rows.map((row) => ({ day: row.day, count: Number(row.count) }));
  }

  private async recentSignups(manager: EntityManager): Promise<Stats['recentSignups']> {
    const rows: { user_id: string; name: string; masked_email: string; locale: string; created_at: Date }[] =
      await manager.query(
        `SELECT user_id, name, masked_email, locale, created_at FROM dashboard_users WHERE created_at IS NOT NULL
          ORDER BY created_at DESC, user_id DESC LIMIT $1`,
        [RECENT_SIGNUPS],
      );
    return rows.map((row) => ({
      userId: row.user_id,
      name: row.name,
      email: row.masked_email,
      locale: row.locale,
      at: row.created_at.toISOString(),
    }));
  }
}
