import { PoisonRecordError } from '../errors/platform-error';
import { childTraceparent, fromHeaders, HEADER, newEnvelope, toHeaders } from './event-envelope';

describe('event envelope', () => {
  it('maps an envelope to headers and back', () => {
    const envelope = newEnvelope('new_user', 2, 'user-1', { userId: 'user-1' }, { correlationId: 'req-1' });
    const headers = toHeaders(envelope);

    expect(headers).toEqual({
      'event-id': envelope.id,
      'event-type': 'new_user',
      'schema-version': '2',
      'occurred-at': envelope.occurredAt,
      'correlation-id': 'req-1',
      traceparent: envelope.traceparent,
    });
    const { key: _key, payload: _payload, ...metadata } = envelope;
    expect(fromHeaders(headers)).toEqual(metadata);
  });

  it('starts a correlation at the first event and carries it, the cause and the trace to the next', () => {
    const first = newEnvelope('new_user', 2, 'u', {});
    const next = newEnvelope('user_updated', 1, 'u', {}, { causedBy: first });

    expect(first.correlationId).toBe(first.id);
    expect(first.causationId).toBeNull();
    expect(next.correlationId).toBe(first.id);
    expect(next.causationId).toBe(first.id);
    expect(next.traceparent.split('-')[1]).toBe(first.traceparent.split('-')[1]);
    expect(next.traceparent.split('-')[2]).not.toBe(first.traceparent.split('-')[2]);
    expect(toHeaders(next)[HEADER.causationId]).toBe(first.id);
  });

  it('makes W3C traceparents, and a child of a malformed parent starts a new trace', () => {
    expect(childTraceparent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(childTraceparent('garbage')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('treats a record without envelope headers as poison, naming the header', () => {
    expect(() => fromHeaders({ 'event-type': 'new_user' })).toThrow(PoisonRecordError);
    expect(() => fromHeaders({ 'event-type': 'new_user' })).toThrow('Record has no "schema-version" header');
    expect(() =>
      fromHeaders({ 'event-id': 'x', 'event-type': 't', 'schema-version': 'two', 'occurred-at': 'now' }),
    ).toThrow(expect.objectContaining({ code: 'MISSING_HEADER', retryable: false }));
  });
});
