import { z } from 'zod';
import { duration, parseEnv } from '@kafka-platform/core';

const MANAGEMENT_PORT_ERROR = 'must be a whole number from 0 to 65535';

const schema = z.object({
  // How long after a window's end late events still count; later ones are dropped (and counted in the logs).
  SIGNUP_ANALYTICS_GRACE: duration().prefault('1m'),
  // Email domains whose signups the stream filter re-publishes on user-signups-by-domain; empty: none.
  SIGNUP_ANALYTICS_DOMAINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((domain) => domain.trim().toLowerCase())
        .filter(Boolean),
    ),
  // The instance's stable part of the transactional id: a restarted instance with the same id fences its
  // predecessor (whose open transaction the broker aborts), so a zombie can never commit after it.
  SIGNUP_ANALYTICS_INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be 1 to 40 letters, digits, ".", "_" or "-"')
    .default('0'),
  // exactly-once: results, state and input offsets in one transaction. at-least-once: plain sends, offsets
  // committed afterwards; a crash in between counts the batch again (the fault test shows it does).
  SIGNUP_ANALYTICS_DELIVERY: z.enum(['exactly-once', 'at-least-once']).default('exactly-once'),
  // The most a fetch returns per partition, so the most one transaction covers: smaller batches mean shorter
  // transactions (less to redo after a crash) and more of them.
  SIGNUP_ANALYTICS_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  // A partition that brings no records for this long stops holding the watermark back (see Watermarks): without
  // it, one partition without traffic would keep every window open forever.
  SIGNUP_ANALYTICS_IDLE_TIMEOUT: duration().prefault('30s'),
  // /metrics and /health on this port (as the services' MANAGEMENT_PORT; 0: any free port, for tests).
  MANAGEMENT_PORT: z.coerce
    .number({ error: MANAGEMENT_PORT_ERROR })
    .int(MANAGEMENT_PORT_ERROR)
    .min(0, MANAGEMENT_PORT_ERROR)
    .max(65535, MANAGEMENT_PORT_ERROR)
    .default(9004),
  // Test hook: holds each transaction open this long after its records are sent, so a kill -9 lands inside it.
  SIGNUP_ANALYTICS_HOLD_BEFORE_COMMIT: duration().optional(),
});

export type AnalyticsConfig = z.infer<typeof schema>;

export const loadAnalyticsConfig = (env: NodeJS.ProcessEnv): AnalyticsConfig => parseEnv(schema, env);

/** The watched domain an address belongs to, if any (the stream filter's predicate). */
export function watchedDomain(email: string, domains: readonly string[]): string | undefined {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domains.includes(domain) ? domain : undefined;
}
