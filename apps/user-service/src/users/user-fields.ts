import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf, isEmail } from 'class-validator';
import { Check } from '../http/check';

export const DEFAULT_LOCALE = 'en';
export const NAME_MAX_LENGTH = 100;
// isEmail enforces it too (RFC 5321 path limit); stated here for the API docs.
const EMAIL_MAX_LENGTH = 254;

// language[-Script][-REGION][-variant]...: the part of BCP 47 that mail templates and UIs actually use.
const LOCALE_SHAPE = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*$/;
const LOCALE_MAX_LENGTH = 35;

interface FieldOptions {
  /** PATCH: the field may be left out, but a given value (null included) must still be valid. */
  readonly optional?: boolean;
}

export const EmailField = ({ optional }: FieldOptions = {}) =>
  applyDecorators(
    documented(optional, { format: 'email', maxLength: EMAIL_MAX_LENGTH, example: 'ada@example.com' }),
    trimmed(),
    ...skippedWhenAbsent(optional),
    Check('email', emailProblem),
  );

export const NameField = ({ optional }: FieldOptions = {}) =>
  applyDecorators(
    documented(optional, {
      minLength: 1,
      maxLength: NAME_MAX_LENGTH,
      example: 'Ada Lovelace',
      description: 'Display name; leading and trailing spaces are removed before the length check',
    }),
    trimmed(),
    ...skippedWhenAbsent(optional),
    Check('name', nameProblem),
  );

export const LocaleField = ({ optional }: FieldOptions = {}) =>
  applyDecorators(
    // Never required: left out on create it defaults to "en".
    documented(true, {
      example: 'de-CH',
      maxLength: LOCALE_MAX_LENGTH,
      description: 'BCP 47 language tag such as "en" or "de-CH", stored in canonical case',
      ...(!optional && { default: DEFAULT_LOCALE }),
    }),
    Transform(({ value }: { value: unknown }) => canonicalLocale(value)),
    ...skippedWhenAbsent(optional),
    Check('locale', localeProblem),
  );

// Each check names one problem, so a 400 says exactly what to fix instead of every rule the value broke.

export const emailProblem = (value: unknown): string | undefined =>
  typeof value === 'string' && isEmail(value) ? undefined : 'must be a valid email address';

export const nameProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length < 1 || value.length > NAME_MAX_LENGTH) {
    return `must be 1 to ${NAME_MAX_LENGTH} characters (after trimming)`;
  }
  return undefined;
};

export const localeProblem = (value: unknown): string | undefined =>
  isLocaleTag(value) ? undefined : 'must be a BCP 47 language tag such as "en" or "de-CH"';

export function isLocaleTag(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > LOCALE_MAX_LENGTH || !LOCALE_SHAPE.test(value)) return false;
  try {
    Intl.getCanonicalLocales(value);
    return true;
  } catch {
    return false;
  }
}

/** "de-ch" and "DE-CH" name the same locale: store one spelling so consumers can compare them. */
function canonicalLocale(value: unknown): unknown {
  if (typeof value !== 'string' || !isLocaleTag(value.trim())) return value;
  return Intl.getCanonicalLocales(value.trim())[0];
}

const trimmed = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const documented = (optional: boolean | undefined, options: ApiPropertyOptions) =>
  optional ? ApiPropertyOptional(options) : ApiProperty(options);

// IsOptional would also let null through, which the NOT NULL columns would turn into a 500.
const skippedWhenAbsent = (optional: boolean | undefined) =>
  optional ? [ValidateIf((_object: object, value: unknown) => value !== undefined)] : [];
