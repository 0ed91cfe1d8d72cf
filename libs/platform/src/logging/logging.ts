import { correlation } from '@kafka-platform/core';
import { activeSpanContext } from '@kafka-platform/kafka';
import type { Params } from 'nestjs-pino';
import type { ServiceLogLevel } from '../config/service-config';

const QUIET_PATHS = new Set(['/health/live', '/health/ready']);

/**
 * JSON logs with pino. Every line written while a request or an event is handled carries its correlation id,
 * read from the one async context both set (see correlation-context in libs/kafka), and every line written
 * inside a span its `trace_id` and `span_id` (the names OpenTelemetry's log correlation uses).
 */
export function loggerParams(service: string, level: ServiceLogLevel): Params {
  return {
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...correlationFields(), ...traceFields() }),
      genReqId: (request) => (request as { correlationId?: string }).correlationId ?? '',
      // Probes and scrapes every few seconds would drown the lines that matter.
      autoLogging: { ignore: (request) => QUIET_PATHS.has((request.url ?? '').split('?')[0] ?? '') },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
    },
  };
}

function correlationFields(): object {
  const scope = correlation.current();
  return scope ? { correlationId: scope.correlationId } : {};
}

// A mixin rather than @opentelemetry/instrumentation-pino: the mixin is already here, reads the active span in one
// call, and needs no patching of pino at load time (which in-process tests, started without the SDK, never get).
function traceFields(): object {
  const span = activeSpanContext();
  return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
