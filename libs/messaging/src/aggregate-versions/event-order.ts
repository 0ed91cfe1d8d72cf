import type { EventEnvelope } from '@kafka-platform/kafka';

/** Where an event stands among the events of its key: what `compareEvents` orders by. */
export interface EventPosition {
  /** The outbox row id (EventEnvelope.sequence), when the event was published through an outbox. */
  readonly sequence?: bigint;
  readonly occurredAt: Date;
  readonly eventId: string;
}

const DIGITS = /^\d{1,30}$/;

export function positionOf(event: EventEnvelope): EventPosition {
  // A sequence that is not a whole number cannot be compared: the event is ordered by its time instead.
  const sequence = event.sequence !== undefined && DIGITS.test(event.sequence) ? BigInt(event.sequence) : undefined;
  return { ...(sequence !== undefined && { sequence }), occurredAt: new Date(event.occurredAt), eventId: event.id };
}

/**
 * Which of two events of one key is newer (negative: `a` is older, positive: `a` is newer). The rule:
 *
 * 1. When both carry a `sequence`, the higher sequence is newer. It is the outbox row id, strictly increasing
 *    per key in the order the producer committed the changes, so it holds even when clocks disagree.
 * 2. Otherwise the later `occurredAt` is newer (an event not published through an outbox has only its time).
 * 3. A tie (the same sequence or the same millisecond) goes to the greater event id: an arbitrary choice, but
 *    the same one whatever the order of arrival, so a projection that keeps "the newest" ends up the same.
 *
 * A key's events should all carry a sequence or none: when only some do, rule 2 decides between a pair that
 * lacks one, and the order is only as good as the producers' clocks.
 */
export function compareEvents(a: EventPosition, b: EventPosition): number {
  if (a.sequence !== undefined && b.sequence !== undefined && a.sequence !== b.sequence) {
    return a.sequence > b.sequence ? 1 : -1;
  }
  const bySequenceOrTime =
    a.sequence !== undefined && b.sequence !== undefined ? 0 : a.occurredAt.getTime() - b.occurredAt.getTime();
  if (bySequenceOrTime !== 0) return Math.sign(bySequenceOrTime);
  return a.eventId === b.eventId ? 0 : a.eventId > b.eventId ? 1 : -1;
}
