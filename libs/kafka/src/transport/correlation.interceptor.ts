import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { correlation } from '@kafka-platform/core';
import { KafkaEventContext } from './kafka-event.context';

/**
 * Runs an event's handling in its correlation scope: log lines carry the event's correlation id, and events the
 * handler writes name it as their cause and continue its trace. Nest binds the async context of `next.handle()`
 * where it is called, so everything downstream (pipes, the handler, later interceptors) sees the scope.
 */
@Injectable()
export class CorrelationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc = context.getType() === 'rpc' ? context.switchToRpc().getContext<unknown>() : undefined;
    if (!(rpc instanceof KafkaEventContext)) return next.handle();
    const event = rpc.getEnvelope();
    return correlation.run(
      { correlationId: event.correlationId, causedBy: event, traceparent: event.traceparent },
      () => next.handle(),
    );
  }
}
