import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlation } from '@kafka-platform/core';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { HTTP_LIMITS } from './http-limits';
import type { HttpLimits } from './http-limits';
import { DependencyUnavailableFilter } from './dependency-unavailable.filter';

export const CORRELATION_HEADER = 'x-correlation-id';
export const MAX_BODY = '100kb';
/** Objects and arrays inside each other, the body itself counted; every endpoint's body is flat or one level. */
export const MAX_BODY_DEPTH = 8;

type Request = IncomingMessage & { correlationId?: string; body?: unknown };
type Next = (error?: unknown) => void;

const SAFE_ID = /^[\w.:-]{1,128}$/;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** One field's problems, as every 400 of the platform lists them. */
export interface FieldError {
  readonly field: string;
  readonly messages: string[];
}

/**
 * HTTP behaviour every service shares: a correlation id per request (taken from the caller when sane),
 * JSON bodies only (415 otherwise), at most 100 KB (413), malformed JSON as a 400 in the platform's error
 * shape, DTO validation with field-by-field errors that refuses unknown fields, and 503 + Retry-After when a
 * dependency (the database) is unavailable.
 */
export function configureHttp(app: NestExpressApplication): void {
  const limits = app.get<HttpLimits>(HTTP_LIMITS);
  // The client address the rate limits count is the one the trusted proxies saw, not the proxy's own.
  app.set('trust proxy', limits.trustProxyHops);
  app.use(securityHeaders);
  app.enableCors({
    origin: limits.corsOrigins.length > 0 ? [...limits.corsOrigins] : false,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', CORRELATION_HEADER],
    exposedHeaders: [CORRELATION_HEADER, 'retry-after'],
    maxAge: 600,
  });
  app.use(correlate);
  app.use(requireJson);
  app.useBodyParser('json', { limit: MAX_BODY });
  app.use(bodyErrors);
  app.use(refuseDeepBody);
  app.use(requireObjectBody);
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new BadRequestException({
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          errors: fieldErrors(errors),
        }),
    }),
  );
  app.useGlobalFilters(new DependencyUnavailableFilter(app.getHttpAdapter()));
}

function correlate(request: Request, response: ServerResponse, next: Next) {
  const given = request.headers[CORRELATION_HEADER];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  request.correlationId = id;
  response.setHeader(CORRELATION_HEADER, id);
  correlation.run({ correlationId: id }, next);
}

// API answers: nothing to render, nothing to frame, no MIME sniffing, HTTPS remembered. The dashboard's page sets
// its own, wider content security policy on its own responses.
const securityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

// A cross-site page can send a form (urlencoded, multipart, text/plain) without a CORS preflight, even with an
// empty body: a request that changes state must be JSON or have no content type at all, and it needs a bearer
// token, which no form can add.
// JSON between systems is UTF-8 (RFC 8259): body-parser would decode a utf-16 label too, and an odd byte count
// decodes to nothing, which then reads as an empty object.
function requireJson(request: Request, response: ServerResponse, next: Next) {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
  const [type, ...parameters] = (request.headers['content-type'] ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  const changesState = BODY_METHODS.has(request.method ?? '') || request.method === 'DELETE';
  const json = type === 'application/json' && (charset === undefined || /^"?utf-8"?$/.test(charset));
  if (changesState && (hasBody || type) && !json) {
    return sendError(response, 415, 'Unsupported Media Type', 'Send the body as application/json in UTF-8');
  }
  next();
}

// Express error middleware: four parameters, or express treats it as an ordinary one.
function bodyErrors(error: unknown, _request: Request, response: ServerResponse, next: Next) {
  const failure = error as { type?: string; status?: number };
  if (failure.type === 'entity.too.large') {
    return sendError(response, 413, 'Payload Too Large', `The body may be at most ${MAX_BODY}`);
  }
  if (failure.type === 'entity.parse.failed') {
    return sendError(response, 400, 'Bad Request', 'Malformed JSON body', [
      { field: 'body', messages: ['must be valid JSON'] },
    ]);
  }
  if (failure.status && failure.status >= 400 && failure.status < 500) {
    return sendError(response, failure.status, 'Bad Request', 'The request body could not be read');
  }
  next(error);
}

// body-parser accepts arrays too; every endpoint of the platform takes an object, and a DTO would report an
// array as "property 0 should not exist".
function requireObjectBody(request: Request, response: ServerResponse, next: Next) {
  const body = request.body;
  if (
    BODY_METHODS.has(request.method ?? '') &&
    body !== undefined &&
    (typeof body !== 'object' || Array.isArray(body) || body === null)
  ) {
    return sendError(response, 400, 'Bad Request', 'The body must be a JSON object', [
      { field: 'body', messages: ['must be a JSON object'] },
    ]);
  }
  next();
}

// JSON.parse takes any depth, but what runs after it (class-transformer, the validation pipe) recurses once per
// level: 100 KB of brackets would overflow the stack there and answer 500. Measured here with an explicit stack,
// so that this check cannot overflow itself, and it stops at the first value too deep.
function refuseDeepBody(request: Request, response: ServerResponse, next: Next) {
  if (nestsDeeperThan(request.body, MAX_BODY_DEPTH)) {
    return sendError(
      response,
      400,
      'Bad Request',
      `The body may nest objects and arrays at most ${MAX_BODY_DEPTH} deep`,
      [{ field: 'body', messages: [`must not nest objects or arrays more than ${MAX_BODY_DEPTH} levels deep`] }],
    );
  }
  next();
}

export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let entry = pending.pop(); entry; entry = pending.pop()) {
    const [current, depth] = entry;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

function sendError(response: ServerResponse, status: number, error: string, message: string, errors?: FieldError[]) {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify({ statusCode: status, error, message, ...(errors && { errors }) }));
}

export function fieldErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}
