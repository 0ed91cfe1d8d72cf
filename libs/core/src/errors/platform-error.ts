/**
 * Every failure the platform reasons about carries a stable `code` and a `retryable` flag. Retry and
 * dead-letter decisions read the flag, never the message.
 */
export class PlatformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A dependency is unavailable (database, SMTP or registry down, broker unreachable): it passes by itself, so the
 * work waits and is retried for as long as the outage lasts (up to a time budget), never dead-lettered early.
 */
export class TransientError extends PlatformError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, true, options);
  }
}
