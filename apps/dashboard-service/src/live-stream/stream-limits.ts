import { parseEnv } from '@kafka-platform/core';
import { PLATFORM_OPTIONS } from '@kafka-platform/platform';
import type { PlatformOptions } from '@kafka-platform/platform';
import { z } from 'zod';

/**
 * How many live streams the pod holds open: each costs a socket and a buffer in the memory the consumer shares,
 * so the pod caps them all and per caller (one viewer's tabs, or a script looping on reconnect).
 */
export interface StreamLimits {
  readonly maxStreams: number;
  readonly maxStreamsPerCaller: number;
}

export const STREAM_LIMITS = Symbol('STREAM_LIMITS');

const count = (defaultValue: number) =>
  z.coerce
    .number({ error: 'must be a whole number from 1 to 100000' })
    .int('must be a whole number from 1 to 100000')
    .min(1, 'must be a whole number from 1 to 100000')
    .max(100_000, 'must be a whole number from 1 to 100000')
    .default(defaultValue);

export function loadStreamLimits(env: NodeJS.ProcessEnv): StreamLimits {
  const values = parseEnv(
    z.object({ DASHBOARD_MAX_STREAMS: count(200), DASHBOARD_MAX_STREAMS_PER_CALLER: count(5) }),
    env,
  );
  return { maxStreams: values.DASHBOARD_MAX_STREAMS, maxStreamsPerCaller: values.DASHBOARD_MAX_STREAMS_PER_CALLER };
}

export const streamLimitsProvider = {
  provide: STREAM_LIMITS,
  inject: [PLATFORM_OPTIONS],
  useFactory: (options: PlatformOptions): StreamLimits => loadStreamLimits(options.env ?? process.env),
};
