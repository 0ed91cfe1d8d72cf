import type { ConsumedRecord, Headers, OutgoingRecord } from '../client/kafka-ports';
import type { FailureClass } from '../errors/platform-error';

export const DLQ_HEADER = {
  errorCode: 'dlq-error-code',
  errorClass: 'dlq-error-class',
  errorMessage: 'dlq-error-message',
  reason: 'dlq-reason',
  retryable: 'dlq-retryable',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  attempts: 'dlq-attempts',
  group: 'dlq-group',
  failedAt: 'dlq-failed-at',
  redrivenAt: 'dlq-redriven-at',
  redrivenFrom: 'dlq-redriven-from',
} as const;

const MAX_MESSAGE = 1000;

/**
 * Why a record was given up: `poison` (it can never be handled as it is), `attempts-exhausted` (a failure of
 * unknown cause, most likely a bug, outlived its bounded attempts), `transient-budget-exhausted` (a dependency
 * stayed down longer than the transient retry budget).
 */
export type DeadLetterReason = 'poison' | 'attempts-exhausted' | 'transient-budget-exhausted';

/** The original key, value bytes and headers, plus why, where from and how often it failed. */
export function deadLetterRecord(
  record: ConsumedRecord,
  failure: FailureClass,
  context: { group: string; attempts: number; reason: DeadLetterReason; failedAt?: Date },
): OutgoingRecord {
  return {
    key: record.key,
    value: record.value ?? Buffer.alloc(0),
    headers: {
      ...record.headers,
      [DLQ_HEADER.errorCode]: failure.code,
      [DLQ_HEADER.errorClass]: failure.errorClass,
      [DLQ_HEADER.errorMessage]: failure.message.slice(0, MAX_MESSAGE),
      [DLQ_HEADER.reason]: context.reason,
      [DLQ_HEADER.retryable]: String(failure.retryable),
      [DLQ_HEADER.sourceTopic]: record.topic,
      [DLQ_HEADER.sourcePartition]: String(record.partition),
      [DLQ_HEADER.sourceOffset]: record.offset,
      [DLQ_HEADER.attempts]: String(context.attempts),
      [DLQ_HEADER.group]: context.group,
      [DLQ_HEADER.failedAt]: (context.failedAt ?? new Date()).toISOString(),
    },
  };
}

/** The headers a redriven record goes back with: the original ones, without the failure, plus an audit trail. */
export function redriveHeaders(deadLetter: ConsumedRecord, redrivenAt = new Date()): Headers {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(deadLetter.headers)) {
    if (!name.startsWith('dlq-')) headers[name] = value;
  }
  headers[DLQ_HEADER.redrivenAt] = redrivenAt.toISOString();
  headers[DLQ_HEADER.redrivenFrom] = `${deadLetter.topic}/${deadLetter.partition}/${deadLetter.offset}`;
  return headers;
}
