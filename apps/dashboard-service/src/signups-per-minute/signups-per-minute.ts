/** GET /api/signups-per-minute: the last `minutes` one-minute windows, a series per locale, oldest first. */
export interface SignupsPerMinute {
  readonly minutes: number;
  /** Start of the oldest window shown (the current minute's start minus `minutes` - 1). */
  readonly from: string;
  readonly series: readonly LocaleSeries[];
}

export interface LocaleSeries {
  readonly locale: string;
  /** Only windows with signups: a minute without any has no record on the derived topic. */
  readonly windows: readonly WindowCount[];
}

export interface WindowCount {
  readonly windowStart: string;
  readonly count: number;
  /** The window closed: signup-analytics will not change its count again. */
  readonly final: boolean;
}

export const DEFAULT_MINUTES = 30;
export const MAX_MINUTES = 1440;
