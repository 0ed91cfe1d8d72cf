import { SetMetadata } from '@nestjs/common';

export const EVENT_HANDLER_METADATA = 'kafka-platform:event-handler';

export interface HandleEventOptions {
  /** The schema version this handler reads; the catalog's latest by default. Older and newer data resolve into it. */
  readonly version?: number;
}

export interface EventHandlerMetadata extends HandleEventOptions {
  readonly type: string;
}

/**
 * Marks a provider method as the handler of one event type for the service's consumer group:
 *
 *   @HandleEvent('new_user', { version: 2 })
 *   async onNewUser(event: EventEnvelope<NewUserV2>) { ... }
 *
 * Throw a TransientError for a failure that may pass (retried with backoff), a PlatformError with
 * retryable=false for one that never will (dead-lettered at once).
 */
export const HandleEvent = (type: string, options: HandleEventOptions = {}): MethodDecorator =>
  SetMetadata<string, EventHandlerMetadata>(EVENT_HANDLER_METADATA, { type, ...options });
