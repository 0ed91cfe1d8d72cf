import type { EventPayload, EventType, EventVersion, LatestVersion } from '@kafka-platform/events';
import { EventPattern as NestEventPattern } from '@nestjs/microservices';
import type { KafkaEventContext } from './kafka-event.context';

export interface EventPatternOptions<V extends number = number> {
  /** The schema version this handler reads; the catalog's latest by default. Older and newer data resolve into it. */
  readonly version?: V;
}

/** A method that can handle version V of event T: `(payload, context)`, as `@Payload()` and `@Ctx()` inject them. */
export type EventHandlerMethod<T extends EventType, V extends EventVersion<T>> = (
  payload: EventPayload<T, V>,
  context: KafkaEventContext<T, V>,
) => unknown;

/**
 * Nest's `@EventPattern`, typed by the event catalog: the event's name (and version) decide the payload and context
 * the method takes, so a handler of another event's or another version's payload does not compile.
 *
 *   @EventPattern('new_user')
 *   async onNewUser(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'new_user'>) { ... }
 *
 * Throw a TransientError for a failure that may pass (retried with backoff), a PlatformError with retryable=false
 * for one that never will (dead-lettered at once).
 */
export function EventPattern<T extends EventType, V extends EventVersion<T> = LatestVersion<T> & EventVersion<T>>(
  type: T,
  options: EventPatternOptions<V> = {},
) {
  const mark = NestEventPattern(type, options.version === undefined ? {} : { version: options.version });
  return <M extends EventHandlerMethod<T, V>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M> => {
    mark(target, key, descriptor);
    return descriptor;
  };
}
