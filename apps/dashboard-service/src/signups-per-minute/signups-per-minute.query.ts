import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Generations } from '../generations/generations';
import type { LocaleSeries, SignupsPerMinute } from './signups-per-minute';

interface WindowRow {
  locale: string;
  window_start: Date;
  count: string;
  final: boolean;
}

const MINUTE_MS = 60_000;

/** Reads the last minutes' windows from the live generation (the panel's data). */
@Injectable()
export class SignupsPerMinuteQuery {
  constructor(private readonly generations: Generations) {}

  /** Windows by wall-clock time: the panel shows what happened lately, not the newest event time seen. */
  read(minutes: number, now = Date.now()): Promise<SignupsPerMinute> {
    const from = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS);
    return this.generations.readLive(async (manager) => ({
      minutes,
      from: from.toISOString(),
      series: bySeries(await windowsSince(manager, from)),
    }));
  }
}

async function windowsSince(manager: EntityManager, from: Date): Promise<WindowRow[]> {
  return manager.query(
    `SELECT locale, window_start, count, final FROM dashboard_signups_per_minute
      WHERE window_start >= $1 ORDER BY locale, window_start`,
    [from],
  );
}

function bySeries(rows: readonly WindowRow[]): LocaleSeries[] {
  const series = new Map<string, LocaleSeries['windows'][number][]>();
  for (const row of rows) {
    const windows = series.get(row.locale) ?? [];
    windows.push({ windowStart: row.window_start.toISOString(), count: Number(row.count), final: row.final });
    series.set(row.locale, windows);
  }
  return [...series].map(([locale, windows]) => ({ locale, windows }));
}
