import { QueryFailedError } from 'typeorm';
import { conflict, notFound } from '../http/http-errors';
import { USERS_EMAIL_UNIQUE } from '../migrations/1764000000000-create-users';

export const USER_ERROR_CODE = { emailTaken: 'EMAIL_TAKEN', notFound: 'USER_NOT_FOUND' } as const;

const UNIQUE_VIOLATION = '23505';

export const userNotFound = (id: string) => notFound(USER_ERROR_CODE.notFound, `No user with id ${id}`);

export const emailTaken = () => conflict(USER_ERROR_CODE.emailTaken, 'A user with this email already exists');

/**
 * The unique index decides, not a lookup before the insert: two concurrent sign-ups with one address both pass
 * any pre-check, and only the index sees the second one. Anything else is left as it is.
 */
export function translateWriteError(error: unknown): unknown {
  if (error instanceof QueryFailedError) {
    const cause = error.driverError as { code?: string; constraint?: string };
    if (cause.code === UNIQUE_VIOLATION && cause.constraint === USERS_EMAIL_UNIQUE) return emailTaken();
  }
  return error;
}
