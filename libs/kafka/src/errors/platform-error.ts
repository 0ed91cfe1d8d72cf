import { PlatformError } from '@kafka-platform/core';

/** A record that can never be handled as it is: bad bytes, unknown schema, invalid payload. Straight to the DLQ. */
export class PoisonRecordError extends PlatformError {
  constructor(code: PoisonCode, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
  }
}

export type PoisonCode =
  'EMPTY_VALUE' | 'BAD_MAGIC_BYTE' | 'UNKNOWN_SCHEMA_ID' | 'INVALID_PAYLOAD' | 'MISSING_HEADER' | 'HANDLER_REJECTED';

/**
 * - `poison`: can never succeed as it is (bad record, a non-retryable verdict): dead-lettered at once.
 * - `transient`: a dependency is unavailable: retried for as long as it lasts, up to a time budget.
 * - `unknown`: nothing says which (most likely a bug): a few bounded attempts, then the DLQ.
 */
export type FailureKind = 'poison' | 'transient' | 'unknown';

export interface FailureClass {
  readonly code: string;
  readonly kind: FailureKind;
  readonly retryable: boolean;
  readonly errorClass: string;
  readonly message: string;
}

// Node's codes for a peer that cannot be reached or went away: the dependency is down, not the work wrong.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs that say "the server cannot serve right now" rather than "this statement is wrong":
// connection exceptions (08), shutdown / cannot connect now (57P01-57P03), statement timeout (57014),
// insufficient resources (53), and the conflicts that a retry resolves (serialization failure, deadlock).
const TRANSIENT_SQLSTATE = /^(08...|57P0[123]|57014|53...|40001|40P01)$/;

// pg reports a connection lost mid-query, a client used after its connection died, or a pool that cannot connect
// in time with plain Errors that carry no code (pg/lib/client.js, pg-pool): these messages are the only way to
// tell them from a failed statement. 'Connection terminated' also covers '... unexpectedly' and '... due to
// connection timeout'.
const CODELESS_CONNECTION_LOSS = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

// TypeORM releases a transaction's query runner when its pg connection emits 'error' (the server terminated it), so
// the transaction's next statement fails with one of these code-less errors instead of the connection loss behind
// it: the first from the query runner, the second from the transaction's EntityManager (`manager.query`).
const CODELESS_CONNECTION_LOSS_NAMES = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

/**
 * Sorts a failure into poison, transient or unknown. Platform errors say it themselves (`retryable`); errors from
 * drivers are read by their codes (Node network codes, PostgreSQL SQLSTATE, kafkajs' `retriable`, @platformatic/kafka's
 * `canRetry`), walking
 * `cause`, TypeORM's `driverError` and AggregateError's `errors`.
 */
export function classifyError(error: unknown): FailureClass {
  if (error instanceof PlatformError) {
    return {
      code: error.code,
      kind: error.retryable ? 'transient' : 'poison',
      retryable: error.retryable,
      errorClass: error.name,
      message: error.message,
    };
  }
  if (!(error instanceof Error)) {
    return { code: 'UNCLASSIFIED', kind: 'unknown', retryable: true, errorClass: typeof error, message: String(error) };
  }
  const transientCode = findTransientCode(error);
  const retryable = (error as { retryable?: unknown }).retryable;
  const code = (error as { code?: unknown }).code;
  const kind: FailureKind = transientCode
    ? 'transient'
    : retryable === false
      ? 'poison'
      : retryable === true
        ? 'transient'
        : 'unknown';
  return {
    code: transientCode ?? (typeof code === 'string' ? code : 'UNCLASSIFIED'),
    kind,
    retryable: kind !== 'poison',
    errorClass: error.name,
    message: error.message,
  };
}

/** The code that marks an error, or one of its causes, as a dependency outage; undefined when none does. */
function findTransientCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { code, retriable, canRetry, apiId, closed, driverError, cause, errors, message, name } = error as Record<
    string,
    unknown
  >;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))) return code;
  // kafkajs marks every error it may recover from (broker gone, leader moving, request timed out) as retriable.
  if (retriable === true && typeof name === 'string' && name.startsWith('KafkaJS')) return name;
  // @platformatic/kafka marks them with canRetry; its network errors also cover request timeouts, which it flags
  // canRetry=false only because it will not resend a request that may have arrived. A client closed on purpose is
  // no outage. Kafka's own error name (apiId) is the code when there is one.
  if (typeof code === 'string' && code.startsWith('PLT_KFK_') && closed !== true) {
    if (canRetry === true || code === 'PLT_KFK_NETWORK') return typeof apiId === 'string' ? apiId : code;
  }
  if (typeof message === 'string' && CODELESS_CONNECTION_LOSS.some((text) => message.startsWith(text))) {
    return 'CONNECTION_LOST';
  }
  if (typeof name === 'string' && CODELESS_CONNECTION_LOSS_NAMES.has(name)) return 'CONNECTION_LOST';
  for (const inner of [driverError, cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = findTransientCode(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}
