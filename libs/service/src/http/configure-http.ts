import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { correlation } from '@kafka-platform/kafka';
import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';

export const CORRELATION_HEADER = 'x-correlation-id';
export const MAX_BODY = '100kb';

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
 * shape, and DTO validation with field-by-field errors that refuses unknown fields.
 */
export function configureHttp(app: NestExpressApplication): void {
  app.use(correlate);
  app.use(requireJson);
  app.useBodyParser('json', { limit: MAX_BODY });
  app.use(bodyErrors);
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
}

function correlate(request: Request, response: ServerResponse, next: Next) {
  const given = request.headers[CORRELATION_HEADER];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  request.correlationId = id;
  response.setHeader(CORRELATION_HEADER, id);
  correlation.run({ correlationId: id }, next);
}

function requireJson(request: Request, response: ServerResponse, next: Next) {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'];
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (BODY_METHODS.has(request.method ?? '') && hasBody && type !== 'application/json') {
    return sendError(response, 415, 'Unsupported Media Type', 'Send the body as application/json');
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
