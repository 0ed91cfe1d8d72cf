import type { EventPayload, EventType, EventVersion, LatestVersion } from '@kafka-platform/events';
import { SetMetadata } from '@nestjs/common';
import type { EventEnvelope } from '../envelope/event-envelope';

export const EVENT_HANDLER_METADATA = 'kafka-platform:event-handler';

export interface HandleEventOptions<V extends number = number> {
  /** The schema version this handler reads; the catalog's latest by default. Older and newer data resolve into it. */
  readonly version?: V;
}

export interface EventHandlerMetadata extends HandleEventOptions {
  readonly type: string;
}

/** A method that can handle version V of event T: it takes that version's envelope (or any wider type). */
export type EventHandlerMethod<T extends EventType, V extends EventVersion<T>> = (
  event: EventEnvelope<EventPayload<T, V>>,
) => Promise<unknown>;

/**
 * Marks a provider method as the handler of one event type for the service's consumer group:
 *
 *   @HandleEvent('new_user', { version: 2 })
 *   async onNewUser(event: EventEnvelope<NewUserV2>) { ... }
 *
 * The event's name and version decide the payload the method may expect: a method that takes another version's
 * or another event's payload does not compile. Throw a TransientError for a failure that may pass (retried with
 * backoff), a PlatformError with retryable=false for one that never will (dead-lettered at once).
 */
export function HandleEvent<T extends EventType, V extends EventVersion<T> = LatestVersion<T> & EventVersion<T>>(
  type: T,
  options: HandleEventOptions<V> = {},
) {
  const mark = SetMetadata<string, EventHandlerMetadata>(EVENT_HANDLER_METADATA, { type, ...options });
  return <M extends EventHandlerMethod<T, V>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M> => {
    mark(target, key, descriptor);
    return descriptor;
  };
}
