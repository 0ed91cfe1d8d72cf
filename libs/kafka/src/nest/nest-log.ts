import type { Logger } from '@nestjs/common';

/** Adapts the plumbing's (level, message, extra) logging to a Nest logger. */
export const nestLog =
  (logger: Logger) =>
  (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: object = {}): void =>
    logger[level === 'info' ? 'log' : level](`${message} ${JSON.stringify(extra)}`);
