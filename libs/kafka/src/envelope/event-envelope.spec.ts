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

  it('carries the outbox sequence of an event as a header, when it has one', () => {
    const envelope = newEnvelope('user_updated', 1, 'user-1', {}, { sequence: '42' });
    expect(toHeaders(envelope)[HEADER.sequence]).toBe('42');
    expect(fromHeaders(toHeaders(envelope)).sequence).toBe('42');
    expect(fromHeaders(toHeaders(newEnvelope('user_updated', 1, 'user-1', {}))).sequence).toBeUndefined();
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

  it('draws fresh trace and span ids from its random pool, across refills', () => {
    // 2,000 traceparents use 48 KB of the 4 KiB pool: it is refilled a dozen times.
    const traces = Array.from({ length: 2_000 }, () => childTraceparent());
    expect(new Set(traces.map((trace) => trace.slice(3, 35))).size).toBe(2_000);
    expect(new Set(traces.map((trace) => trace.slice(36, 52))).size).toBe(2_000);
    for (const trace of traces) expect(trace).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('treats a record without envelope headers as poison, naming the header', () => {
    expect(() => fromHeaders({ 'event-type': 'new_user' })).toThrow(PoisonRecordError);
    expect(() => fromHeaders({ 'event-type': 'new_user' })).toThrow('Record has no "schema-version" header');
    expect(() =>
      fromHeaders({ 'event-id': 'x', 'event-type': 't', 'schema-version': 'two', 'occurred-at': 'now' }),
    ).toThrow(expect.objectContaining({ code: 'MISSING_HEADER', retryable: false }));
  });
});
