import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { classifyError, PoisonRecordError } from './platform-error';
import { PlatformError, TransientError } from '@kafka-platform/core';

describe('classifyError', () => {
  it('reads code and retryable from platform errors, never the message', () => {
    expect(classifyError(new PoisonRecordError('BAD_MAGIC_BYTE', 'retry me please'))).toEqual({
      code: 'BAD_MAGIC_BYTE',
      kind: 'poison',
      retryable: false,
      errorClass: 'PoisonRecordError',
      message: 'retry me please',
    });
    expect(classifyError(new TransientError('SMTP_DOWN', 'invalid payload'))).toMatchObject({
      code: 'SMTP_DOWN',
      kind: 'transient',
      retryable: true,
    });
    expect(classifyError(new PlatformError('X', 'm', false))).toMatchObject({
      kind: 'poison',
      retryable: false,
      errorClass: 'PlatformError',
    });
  });

  it('honours code and retryable on foreign errors that carry them', () => {
    const error = Object.assign(new Error('duplicate key'), { code: '23505', retryable: false });
    expect(classifyError(error)).toMatchObject({ code: '23505', kind: 'poison', retryable: false });
  });

  it('treats unknown failures as unknown: retried a bounded number of times before the DLQ', () => {
    expect(classifyError(new TypeError('boom'))).toEqual({
      code: 'UNCLASSIFIED',
      kind: 'unknown',
      retryable: true,
      errorClass: 'TypeError',
      message: 'boom',
    });
    expect(classifyError('a string')).toMatchObject({ code: 'UNCLASSIFIED', kind: 'unknown', message: 'a string' });
    // A statement that is wrong (unique violation, syntax) is not an outage.
    expect(classifyError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toMatchObject({
      code: '23505',
      kind: 'unknown',
    });
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'])(
    'recognises the network code %s as a dependency outage',
    (code) => {
      const error = Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
      expect(classifyError(error)).toMatchObject({ code, kind: 'transient', retryable: true });
    },
  );

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['53300', 'too many connections'],
    ['40001', 'could not serialize access'],
  ])('recognises the PostgreSQL state %s (%s) as transient, also inside TypeORM and cause chains', (code, text) => {
    const driverError = Object.assign(new Error(text), { code });
    const typeorm = Object.assign(new Error(text), { name: 'QueryFailedError', driverError });
    expect(classifyError(typeorm)).toMatchObject({ code, kind: 'transient' });
    expect(classifyError(new Error('wrapped', { cause: driverError }))).toMatchObject({ code, kind: 'transient' });
  });

  it("recognises pg's code-less connection losses and a connect AggregateError", () => {
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated',
      'Client was closed and is not queryable',
      'timeout exceeded when trying to connect',
    ]) {
      expect(classifyError(new Error(message))).toMatchObject({ code: 'CONNECTION_LOST', kind: 'transient' });
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyError(new AggregateError([refused], ''))).toMatchObject({ code: 'ECONNREFUSED', kind: 'transient' });
  });

  it('treats a transaction whose query runner TypeORM released after its connection died as a connection loss', () => {
    // Seen as a 500 in the fault suite: PostgreSQL restarted between a transaction's BEGIN and its INSERT.
    expect(classifyError(new QueryRunnerAlreadyReleasedError())).toMatchObject({
      code: 'CONNECTION_LOST',
      kind: 'transient',
    });
  });

  it('treats the same release seen through the transaction’s EntityManager as a connection loss', () => {
    // A 500 in CI's fault d: the sign-up transaction's outbox write (manager.query) after PostgreSQL ended its
    // connection, at the statement the user's data key added.
    expect(classifyError(new QueryRunnerProviderAlreadyReleasedError())).toMatchObject({
      code: 'CONNECTION_LOST',
      kind: 'transient',
    });
  });

  it("treats kafkajs' retriable errors as transient and its others as unknown", () => {
    const retriable = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError', retriable: true });
    expect(classifyError(retriable)).toMatchObject({ code: 'KafkaJSConnectionError', kind: 'transient' });
    const final = Object.assign(new Error('bad'), { name: 'KafkaJSNonRetriableError', retriable: false });
    expect(classifyError(final)).toMatchObject({ kind: 'unknown' });
  });

  it("treats @platformatic/kafka's retriable errors and timeouts as transient, also inside its MultipleErrors", () => {
    // The shapes of its GenericError subclasses: code PLT_KFK_*, canRetry, and Kafka's error name in apiId.
    const plt = (code: string, canRetry: boolean, extra: object = {}) =>
      Object.assign(new Error(code), { code, canRetry, ...extra });
    const notLeader = plt('PLT_KFK_PROTOCOL', true, { apiId: 'NOT_LEADER_OR_FOLLOWER' });
    const retriesSpent = Object.assign(new AggregateError([notLeader], 'produce failed 6 times.'), {
      code: 'PLT_KFK_MULTIPLE',
    });
    expect(classifyError(retriesSpent)).toMatchObject({ code: 'NOT_LEADER_OR_FOLLOWER', kind: 'transient' });
    expect(classifyError(plt('PLT_KFK_NETWORK', false))).toMatchObject({ code: 'PLT_KFK_NETWORK', kind: 'transient' });
    expect(classifyError(plt('PLT_KFK_NETWORK', false, { closed: true }))).toMatchObject({ kind: 'unknown' });
    const refused = plt('PLT_KFK_PROTOCOL', false, { apiId: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(classifyError(refused)).toMatchObject({ kind: 'unknown' });
  });
});
