import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf, isEmail } from 'class-validator';
import { Check } from '../http/check';

export const DEFAULT_LOCALE = 'en';
// The columns are `text` and take any length, so these limits are the API's own contract. Characters are Unicode
// code points (what JSON Schema's maxLength counts); bytes are UTF-8, what the columns, events and mails carry.
export const NAME_MAX_LENGTH = 100;
// Any 100 characters of the Basic Multilingual Plane (every living script) fit: only emoji-heavy names hit it.
export const NAME_MAX_BYTES = 300;
// RFC 5321's path limit, which counts octets; far below what the unique index on lower(email) can hold (~2.7 KB).
export const EMAIL_MAX_LENGTH = 254;
export const EMAIL_MAX_BYTES = 254;

// language[-Script][-REGION][-variant]...: the part of BCP 47 that mail templates and UIs actually use. ASCII only,
// so its byte limit is its length limit.
const LOCALE_SHAPE = /^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*$/;
const LOCALE_MAX_LENGTH = 35;

interface FieldOptions {
  /** PATCH: the field may be left out, but a given value (null included) must still be valid. */
  readonly optional?: boolean;
}

export const EmailField = ({ optional }: FieldOptions = {}) =>
  applyDecorators(
    documented(optional, {
      format: 'email',
      maxLength: EMAIL_MAX_LENGTH,
      example: 'ada@example.com',
      description: `At most ${EMAIL_MAX_BYTES} bytes in UTF-8; no quoted local part, control or invisible characters`,
    }),
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
      description:
        `Display name; leading and trailing spaces are removed before the length check. At most ${NAME_MAX_BYTES} ` +
        'bytes in UTF-8; no control characters (tabs and line breaks included) or bidirectional controls',
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

// PostgreSQL text cannot hold one, and JSON (the outbox payload) and URI encoding (isEmail) refuse it.
const LONE_SURROGATE = /\p{Cs}/u;
// C0 (tab and line breaks too: names and addresses are single-line), DEL, C1, and the Unicode line separators.
// NUL is among them, which PostgreSQL refuses in text.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
// Marks, embeddings, overrides and isolates change how the text around them is displayed, so a name or an
// address could show as something it is not (the "Trojan Source" trick).
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
// In an address, every invisible formatting character (zero-width space, soft hyphen, ...) only serves to make
// two addresses look alike; names keep them, as joiners are part of Persian, Indic scripts and emoji.
const FORMAT = /\p{Cf}/u;

// Each check names one problem, so a 400 says exactly what to fix instead of every rule the value broke.

export const emailProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return 'must be a valid email address';
  const unsafe =
    textProblem(value) ?? (FORMAT.test(value) ? 'must not contain invisible formatting characters' : undefined);
  if (unsafe) return unsafe;
  // Legal per RFC 5322, but no provider hands them out, and they let spaces and '@' into the local part.
  if (value.includes('"')) return 'must not have a quoted local part';
  if (!isEmailSafely(value)) return 'must be a valid email address';
  if (utf8Bytes(value) > EMAIL_MAX_BYTES) return `must be at most ${EMAIL_MAX_BYTES} bytes in UTF-8`;
  return undefined;
};

export const nameProblem = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return 'must be a string';
  const unsafe = textProblem(value);
  if (unsafe) return unsafe;
  const length = codePoints(value);
  if (length < 1 || length > NAME_MAX_LENGTH) return `must be 1 to ${NAME_MAX_LENGTH} characters (after trimming)`;
  if (utf8Bytes(value) > NAME_MAX_BYTES) return `must be at most ${NAME_MAX_BYTES} bytes in UTF-8`;
  return undefined;
};

/** What makes a string unfit to store, publish or display as single-line text, whatever the field. */
export function textProblem(value: string): string | undefined {
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  if (CONTROL.test(value)) return 'must not contain control characters such as NUL, tabs or line breaks';
  if (BIDI_CONTROL.test(value)) return 'must not contain bidirectional control characters';
  return undefined;
}

// A validator that throws (validator's isEmail does on some input) must end in a 400, never a 500.
function isEmailSafely(value: string): boolean {
  try {
    return isEmail(value);
  } catch {
    return false;
  }
}

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

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
