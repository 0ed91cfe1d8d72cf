import { ParseUUIDPipe, applyDecorators } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { validationFailed } from '../http/http-errors';
import { ApiNotFound } from '../http/error-responses';

/** Ids are UUIDs: anything else is a client error in the platform's 400 shape, never a database error. */
export const userIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed([{ field: 'id', messages: ['must be a UUID'] }]),
});

export const ApiUserId = () =>
  applyDecorators(
    ApiParam({ name: 'id', format: 'uuid', description: "The user's id" }),
    ApiNotFound('No user with this id'),
  );
