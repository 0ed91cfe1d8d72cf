// Sign-ups at a steady rate, open loop: each request leaves at its time whatever the earlier ones do, as real
// traffic would; every response (or its absence) is recorded.
import { randomUUID } from 'node:crypto';
import type { PlatformUnderTest } from '@kafka-platform/testing';

export interface SignUpResult {
  readonly email: string;
  /** 0 when no answer came (connection refused, timeout). */
  readonly status: number;
  readonly userId?: string;
  readonly body?: unknown;
  readonly retryAfter?: string | null;
  readonly ms: number;
}

export interface Load {
  /** How many sign-ups have had their answer so far. */
  answered(): number;
  readonly done: Promise<SignUpResult[]>;
}

const LOCALES = ['en', 'de', 'fr', 'es'];

export function signUpsAtRate(
  platform: PlatformUnderTest,
  { count, perSecond, label }: { count: number; perSecond: number; label: string },
): Load {
  const run = randomUUID().slice(0, 8);
  const start = Date.now();
  let answered = 0;
  const one = async (index: number): Promise<SignUpResult> => {
    await new Promise((resolve) => setTimeout(resolve, start + (index * 1000) / perSecond - Date.now()));
    try {
      return await signUp(platform, {
        email: `${label}-${run}-${index}@example.com`,
        name: `${label} ${index}`,
        locale: LOCALES[index % LOCALES.length] as string,
      });
    } finally {
      answered += 1;
    }
  };
  return { answered: () => answered, done: Promise.all(Array.from({ length: count }, (_, index) => one(index))) };
}

async function signUp(
  platform: PlatformUnderTest,
  user: { email: string; name: string; locale: string },
): Promise<SignUpResult> {
  const sent = Date.now();
  try {
    const { status, body, retryAfter } = await platform.signUp(user);
    const userId = status === 201 ? (body as { id?: string } | undefined)?.id : undefined;
    return { email: user.email, status, userId, body, retryAfter, ms: Date.now() - sent };
  } catch (error) {
    return { email: user.email, status: 0, body: (error as Error).message, ms: Date.now() - sent };
  }
}

/** Users created (201) by a run of sign-ups. */
export const created = (results: readonly SignUpResult[]) =>
  results.filter((result): result is SignUpResult & { userId: string } => result.status === 201 && !!result.userId);

/** Counts per HTTP status, for messages: { 201: 990, 503: 10 }. */
export const statusCounts = (results: readonly SignUpResult[]) =>
  results.reduce<Record<number, number>>(
    (counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
    {},
  );
