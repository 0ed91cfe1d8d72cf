import { keysetCursorProblem } from '@kafka-platform/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check } from '../../http/check';
import { UserResponse } from '../user.response';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

// Only plain digits are a number here: Number() would also take "0x10", "1e3", " 5" and "" (as 0). Anything else
// stays as given, for the check to refuse; a parameter given twice arrives as an array.
const Decimal = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  );

const wholeNumber =
  (max: number) =>
  (value: unknown): string | undefined => {
    if (Array.isArray(value)) return 'must be given once';
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max
      ? undefined
      : `must be a whole number from 1 to ${max}`;
  };

export class ListUsersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @Decimal()
  @Check('limit', wholeNumber(MAX_LIMIT))
  limit: number = DEFAULT_LIMIT;

  @ApiPropertyOptional({
    description: 'The nextCursor of the previous page, unchanged; left out for the first page',
  })
  @Check('after', keysetCursorProblem)
  after?: string;
}

export class UsersPage {
  @ApiProperty({ type: [UserResponse], description: 'Newest first' })
  items!: UserResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Opaque; pass it as after for the next page. null on the last page',
  })
  nextCursor!: string | null;
}
