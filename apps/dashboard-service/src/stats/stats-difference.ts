import type { StatsDifference } from '../generations/generation';
import type { Stats } from './stats';

/** What the dashboard shows: every field but the time of the read. */
const COMPARED = ['totalUsers', 'created', 'deleted', 'signupsPerDay', 'usersPerLocale', 'recentSignups'] as const;

/** The fields in which two generations' stats differ, with both values; empty when they agree. */
export function statsDifference(live: Stats, rebuilt: Stats): StatsDifference[] {
  return COMPARED.filter((field) => JSON.stringify(live[field]) !== JSON.stringify(rebuilt[field])).map((field) => ({
    field,
    live: live[field],
    rebuilt: rebuilt[field],
  }));
}
