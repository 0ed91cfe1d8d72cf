import { maskName, statsForViewer } from './stats-for-viewer';
import type { Stats } from './stats';

const stats: Stats = {
  totalUsers: 2,
  created: 2,
  deleted: 0,
  signupsPerDay: [],
  recentSignups: [
    { userId: 'a', name: 'Ada Lovelace', email: 'a***@example.com', locale: 'en', at: '2026-01-01T00:00:00.000Z' },
    { userId: 'b', name: '😀 Smile', email: 's***@example.com', locale: 'de', at: '2026-01-01T00:00:00.000Z' },
  ],
  usersPerLocale: [],
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('statsForViewer', () => {
  it('shows names to a viewer allowed to read them, unchanged', () => {
    expect(statsForViewer(stats, true)).toBe(stats);
  });

  it('masks every name for other viewers, by code point, and leaves the rest alone', () => {
    const masked = statsForViewer(stats, false);
    expect(masked.recentSignups.map((signup) => signup.name)).toEqual(['A***', '😀***']);
    expect({ ...masked, recentSignups: [] }).toEqual({ ...stats, recentSignups: [] });
    expect(maskName('')).toBe('***');
  });
});
