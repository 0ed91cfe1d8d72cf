import { keysetCursorProblem } from '@kafka-platform/platform';
import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

export const MAX_LIMIT = 200;

// Only plain digits are a number here: Number() would also take "0x10", "1e2", " 5" and "" (as 0). Anything else
// stays as given, for the check to refuse; a parameter given twice arrives as an array.
const Decimal = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  );

// One message per problem (IsInt + Min + Max would list three for "abc"), in class-validator's wording.
function limitProblem(value: unknown): string | undefined {
  if (Array.isArray(value)) return 'limit must be given once';
  if (!Number.isInteger(value)) return 'limit must be a whole number';
  if ((value as number) < 1) return 'limit must not be less than 1';
  if ((value as number) > MAX_LIMIT) return `limit must not be greater than ${MAX_LIMIT}`;
  return undefined;
}

const Limit = () =>
  ValidateBy({
    name: 'limit',
    validator: {
      validate: (value: unknown) => limitProblem(value) === undefined,
      defaultMessage: (args) => limitProblem(args?.value) ?? 'limit is invalid',
    },
  });

const After = () =>
  ValidateBy({
    name: 'after',
    validator: {
      validate: (value: unknown) => keysetCursorProblem(value) === undefined,
      defaultMessage: (args) => `after ${keysetCursorProblem(args?.value) ?? 'is invalid'}`,
    },
  });

export class ListEmailsQuery {
  /** How many mails, newest first: 1 to 200, 50 by default. */
  @Decimal()
  @Limit()
  limit = 50;

  /** The nextCursor of the previous page, unchanged; left out for the first page. */
  @After()
  after?: string;
}
