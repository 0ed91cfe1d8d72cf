import type { ConsumedRecord } from '../client/kafka-ports';
import { classifyError } from '../errors/platform-error';
import { TransientError } from '@kafka-platform/core';
import { deadLetterRecord, redriveHeaders } from './dead-letter';

const record: ConsumedRecord = {
  topic: 'user-events',
  partition: 4,
  offset: '17',
  key: Buffer.from('user-1'),
  value: Buffer.from([0, 0, 0, 0, 9, 1]),
  headers: { 'event-type': 'new_user', 'event-id': 'e-1' },
  timestamp: '0',
};

describe('dead letters', () => {
  it('keep key, value and headers, and add why, where from, how often and when', () => {
    const failedAt = new Date('2026-01-02T03:04:05Z');
    const failure = classifyError(new TransientError('SMTP_DOWN', 'x'.repeat(5000)));
    const dead = deadLetterRecord(record, failure, {
      group: 'email-service',
      attempts: 5,
      reason: 'transient-budget-exhausted',
      failedAt,
    });

    expect(dead.key).toBe(record.key);
    expect(dead.value).toBe(record.value);
    expect(dead.headers).toEqual({
      ...record.headers,
      'dlq-error-code': 'SMTP_DOWN',
      'dlq-error-class': 'TransientError',
      'dlq-error-message': 'x'.repeat(1000),
      'dlq-reason': 'transient-budget-exhausted',
      'dlq-retryable': 'true',
      'dlq-source-topic': 'user-events',
      'dlq-source-partition': '4',
      'dlq-source-offset': '17',
      'dlq-attempts': '5',
      'dlq-group': 'email-service',
      'dlq-failed-at': '2026-01-02T03:04:05.000Z',
    });
  });

  it('go back without their failure headers and with an audit trail', () => {
    const dead = deadLetterRecord(record, classifyError(new Error('x')), {
      group: 'g',
      attempts: 1,
      reason: 'attempts-exhausted',
    });
    const headers = redriveHeaders(
      { ...record, topic: 'user-events.g.dlq', partition: 0, offset: '3', headers: dead.headers },
      new Date('2026-02-03T00:00:00Z'),
    );
    expect(headers).toEqual({
      ...record.headers,
      'dlq-redriven-at': '2026-02-03T00:00:00.000Z',
      'dlq-redriven-from': 'user-events.g.dlq/0/3',
    });
  });
});
