/**
 * Every failure the plumbing reasons about carries a stable `code` and a `retryable` flag. Retry and
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

/** A record that can never be handled as it is: bad bytes, unknown schema, invalid payload. Straight to the DLQ. */
export class PoisonRecordError extends PlatformError {
  constructor(code: PoisonCode, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}

export type PoisonCode = 'EMPTY_VALUE' | 'BAD_MAGIC_BYTE' | 'UNKNOWN_SCHEMA_ID' | 'INVALID_PAYLOAD' | 'MISSING_HEADER';

/** A failure that may pass by itself (database or SMTP down, broker unavailable): retried with backoff. */
export class TransientError extends PlatformError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, true, options);
  }
}

export interface FailureClass {
  readonly code: string;
  readonly retryable: boolean;
  readonly errorClass: string;
  readonly message: string;
}

/**
 * Unknown errors count as retryable: a handler bug then costs a few bounded retries before the DLQ, while
 * treating an unclassified outage as poison would dead-letter good records.
 */
export function classifyError(error: unknown): FailureClass {
  if (error instanceof PlatformError) {
    return { code: error.code, retryable: error.retryable, errorClass: error.name, message: error.message };
  }
  if (error instanceof Error) {
    const retryable = (error as { retryable?: unknown }).retryable;
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : 'UNCLASSIFIED',
      retryable: typeof retryable === 'boolean' ? retryable : true,
      errorClass: error.name,
      message: error.message,
    };
  }
  return { code: 'UNCLASSIFIED', retryable: true, errorClass: typeof error, message: String(error) };
}
