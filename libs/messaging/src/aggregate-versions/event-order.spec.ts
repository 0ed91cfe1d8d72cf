import { newEnvelope } from '@kafka-platform/kafka';
import { compareEvents, positionOf } from './event-order';

const at = (iso: string, sequence?: string, eventId = '00000000-0000-4000-8000-000000000001') =>
  positionOf(
    newEnvelope('user_updated', 1, 'user-1', {}, { occurredAt: new Date(iso), eventId, ...(sequence && { sequence }) }),
  );

describe('compareEvents', () => {
  it('orders by sequence when both events carry one, whatever their clocks say', () => {
    const older = at('2024-05-01T10:00:00Z', '9');
    const newer = at('2024-05-01T09:00:00Z', '10');
    expect(compareEvents(newer, older)).toBe(1);
    expect(compareEvents(older, newer)).toBe(-1);
  });

  it('compares sequences as numbers, not as text', () => {
    expect(compareEvents(at('2024-05-01T10:00:00Z', '10'), at('2024-05-01T10:00:00Z', '9'))).toBe(1);
    expect(
      compareEvents(at('2024-05-01T10:00:00Z', '9007199254740993'), at('2024-05-01T10:00:00Z', '9007199254740992')),
    ).toBe(1);
  });

  it('falls back to occurredAt when either event has no sequence', () => {
    expect(compareEvents(at('2024-05-01T10:00:00Z'), at('2024-05-01T09:00:00Z', '10'))).toBe(1);
    expect(compareEvents(at('2024-05-01T09:00:00Z', '10'), at('2024-05-01T10:00:00Z'))).toBe(-1);
  });

  it('breaks a tie by event id, so the winner does not depend on the order of arrival', () => {
    const a = at('2024-05-01T10:00:00Z', undefined, '00000000-0000-4000-8000-00000000000a');
    const b = at('2024-05-01T10:00:00Z', undefined, '00000000-0000-4000-8000-00000000000b');
    expect(compareEvents(b, a)).toBe(1);
    expect(compareEvents(a, b)).toBe(-1);
    expect(compareEvents(a, a)).toBe(0);
  });

  it('orders by time an event whose sequence is not a whole number', () => {
    expect(positionOf(newEnvelope('user_updated', 1, 'k', {}, { sequence: 'v7' })).sequence).toBeUndefined();
  });
});
