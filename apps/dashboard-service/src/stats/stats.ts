/** The dashboard's numbers, as GET /api/stats returns them and the live page renders them. */
export interface Stats {
  readonly totalUsers: number;
  readonly created: number;
  readonly deleted: number;
  /** Ascending by UTC day: the 30 most recent days that had signups. */
  readonly signupsPerDay: readonly { readonly day: string; readonly count: number }[];
  /** Newest first, at most 20; `email` is masked. */
  readonly recentSignups: readonly RecentSignup[];
  /** Most users first. */
  readonly usersPerLocale: readonly { readonly locale: string; readonly count: number }[];
  /** When these numbers were read from the read model. */
  readonly updatedAt: string;
}

export interface RecentSignup {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly locale: string;
  readonly at: string;
}

export const RECENT_SIGNUPS = 20;
export const SIGNUP_DAYS = 30;
