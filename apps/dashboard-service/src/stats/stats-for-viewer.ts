import type { Stats } from './stats';

const MASK = '***';

/** The stats as a viewer may see them: names only for holders of `users:read` (emails are always masked). */
export function statsForViewer(stats: Stats, mayReadNames: boolean): Stats {
  if (mayReadNames) return stats;
  return { ...stats, recentSignups: stats.recentSignups.map((signup) => ({ ...signup, name: maskName(signup.name) })) };
}

/** `A***`: enough to tell two rows apart, not to identify anyone. By code point, so an emoji is not cut. */
export function maskName(name: string): string {
  const [first] = [...name];
  return first ? `${first}${MASK}` : MASK;
}
