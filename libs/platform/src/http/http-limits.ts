import { parseEnv } from '@kafka-platform/core';
import { SetMetadata } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import { z } from 'zod';

/** Per client address and minute, in this pod (the counters are in memory: see the README's security model). */
export interface HttpLimits {
  readonly requestsPerMinute: number;
  readonly signupsPerMinute: number;
  /** Proxies in front of the pod whose X-Forwarded-For is believed: the client address is the one they saw. */
  readonly trustProxyHops: number;
  /** Browser origins allowed to call the API (CORS); none by default: the dashboard page is same-origin. */
  readonly corsOrigins: readonly string[];
}

export const HTTP_LIMITS = Symbol('HTTP_LIMITS');
const SIGNUP_LIMITED = 'rate:signup';
const MINUTE_MS = 60_000;

/** The signup's own, lower limit per client address: it sends mail to an address of the caller's choosing. */
export const SignupRateLimit = (): MethodDecorator => SetMetadata(SIGNUP_LIMITED, true);

const whole = (from: number, to: number, fallback: number) => {
  const error = `must be a whole number from ${from} to ${to}`;
  return z.coerce.number({ error }).int(error).min(from, error).max(to, error).default(fallback);
};

export function loadHttpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const values = parseEnv(
    z.object({
      RATE_LIMIT_PER_MINUTE: whole(1, 10_000_000, 600),
      SIGNUP_RATE_LIMIT_PER_MINUTE: whole(1, 10_000_000, 10),
      TRUST_PROXY_HOPS: whole(0, 10, 0),
      CORS_ORIGINS: z
        .string()
        .default('')
        .transform((value) =>
          value
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean),
        )
        .refine((origins) => origins.every((origin) => /^https?:\/\/[^/\s*]+$/.test(origin)), {
          error: 'must list origins such as https://app.example.com, comma-separated, without wildcards or paths',
        }),
    }),
    env,
  );
  return {
    requestsPerMinute: values.RATE_LIMIT_PER_MINUTE,
    signupsPerMinute: values.SIGNUP_RATE_LIMIT_PER_MINUTE,
    trustProxyHops: values.TRUST_PROXY_HOPS,
    corsOrigins: values.CORS_ORIGINS,
  };
}

const isSignup = (context: ExecutionContext): boolean =>
  Reflect.getMetadata(SIGNUP_LIMITED, context.getHandler()) === true;

/** Every route: `requestsPerMinute`; routes marked @SignupRateLimit: `signupsPerMinute` as well. */
export function throttlerOptions(limits: HttpLimits): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'requests', ttl: MINUTE_MS, limit: limits.requestsPerMinute },
      { name: 'signups', ttl: MINUTE_MS, limit: limits.signupsPerMinute, skipIf: (context) => !isSignup(context) },
    ],
    errorMessage: 'Too many requests from this address; try again after the time in Retry-After',
  };
}
