import { correlation } from '@kafka-platform/core';
import type { Params } from 'nestjs-pino';
import type { ServiceLogLevel } from '../config/service-config';

const QUIET_PATHS = new Set(['/health/live', '/health/ready']);

/**
 * JSON logs with pino. Every line written while a request or an event is handled carries its correlation id,
 * read from the one async context both set (see correlation-context in libs/kafka).
 */
export function loggerParams(service: string, level: ServiceLogLevel): Params {
  return {
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const scope = correlation.current();
        return scope ? { correlationId: scope.correlationId } : {};
      },
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
