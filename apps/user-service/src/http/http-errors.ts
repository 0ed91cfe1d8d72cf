import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { FieldError } from '@kafka-platform/platform';

// Every error body of the platform has the same shape: { statusCode, error, message } plus, where a client can
// act on it, `errors` (400: which fields) or a stable `code` (what went wrong, independent of the wording).

export function validationFailed(errors: FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'Validation failed', errors });
}

export function notFound(code: string, message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', code, message });
}

export function conflict(code: string, message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', code, message });
}
