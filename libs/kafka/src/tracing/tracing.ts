import { SpanStatusCode, TraceFlags, context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Context, Span, SpanContext, SpanOptions, Tracer } from '@opentelemetry/api';

/**
 * Spans through the OpenTelemetry API only: without an SDK (tests, OTEL_SDK_DISABLED) every call is a no-op and
 * the envelope keeps its own traceparent. The SDK itself is started by each service's main (libs/telemetry).
 */
export const platformTracer: Tracer = trace.getTracer('@kafka-platform');

/**
 * Attribute names of OpenTelemetry's messaging conventions (still incubating, so not imported from
 * @opentelemetry/semantic-conventions, whose incubating entry may rename them in any release).
 */
export const MESSAGING = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  key: 'messaging.kafka.message.key',
  offset: 'messaging.kafka.offset',
  /** Not a convention: the platform's event type (`new_user`), what a reader of a trace looks for first. */
  eventType: 'kafka_platform.event.type',
} as const;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A span context as a W3C traceparent (version 00). */
export function toTraceparent({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The context of the span running now, when there is a real one (an SDK is started and a span is active). */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The span running now as a traceparent, so what it writes (an outbox row, a record) continues its trace. */
export function activeTraceparent(): string | undefined {
  const spanContext = activeSpanContext();
  return spanContext && toTraceparent(spanContext);
}

/** A traceparent read from a record or a row, as the remote parent it is; undefined when malformed. */
export function remoteSpanContext(traceparent: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const spanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The current context with `parent` as its span: what a span started from a stored traceparent descends from. */
export function contextWithParent(parent: SpanContext | undefined): Context {
  return parent ? trace.setSpanContext(context.active(), parent) : context.active();
}

/** Marks a span failed the way OpenTelemetry's conventions say: an exception event and status ERROR. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` as the active span (in `parent`, the current context by default); a throw is recorded on it. */
export function traced<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
  tracer: Tracer = platformTracer,
): Promise<T> {
  return tracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
