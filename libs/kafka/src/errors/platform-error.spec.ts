import { classifyError, PlatformError, PoisonRecordError, TransientError } from './platform-error';

describe('classifyError', () => {
  it('reads code and retryable from platform errors, never the message', () => {
    expect(classifyError(new PoisonRecordError('BAD_MAGIC_BYTE', 'retry me please'))).toEqual({
      code: 'BAD_MAGIC_BYTE',
      retryable: false,
      errorClass: 'PoisonRecordError',
      message: 'retry me please',
    });
    expect(classifyError(new TransientError('SMTP_DOWN', 'invalid payload'))).toMatchObject({
      code: 'SMTP_DOWN',
      retryable: true,
    });
    expect(classifyError(new PlatformError('X', 'm', false))).toMatchObject({
      retryable: false,
      errorClass: 'PlatformError',
    });
  });

  it('honours code and retryable on foreign errors that carry them', () => {
    const error = Object.assign(new Error('duplicate key'), { code: '23505', retryable: false });
    expect(classifyError(error)).toMatchObject({ code: '23505', retryable: false });
  });

  it('treats unknown failures as retryable, so they are bounded by retries before the DLQ', () => {
    expect(classifyError(new TypeError('boom'))).toEqual({
      code: 'UNCLASSIFIED',
      retryable: true,
      errorClass: 'TypeError',
      message: 'boom',
    });
    expect(classifyError('a string')).toMatchObject({ code: 'UNCLASSIFIED', retryable: true, message: 'a string' });
  });
});
