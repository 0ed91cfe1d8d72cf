import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Check } from '../../http/check';
import { UserResponse } from '../user.response';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
// Keeps (page - 1) * pageSize a valid SQL OFFSET; nobody pages this far by hand.
export const MAX_PAGE = 1_000_000;

const wholeNumber = (max: number) => (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max
    ? undefined
    : `must be a whole number from 1 to ${max}`;

export class ListUsersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 })
  @Type(() => Number)
  @Check('page', wholeNumber(MAX_PAGE))
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @Type(() => Number)
  @Check('pageSize', wholeNumber(MAX_PAGE_SIZE))
  pageSize: number = DEFAULT_PAGE_SIZE;
}

export class UsersPage {
  @ApiProperty({ type: [UserResponse], description: 'Newest first' })
  items!: UserResponse[];

  @ApiProperty({ type: 'integer', example: 1 })
  page!: number;

  @ApiProperty({ type: 'integer', example: DEFAULT_PAGE_SIZE })
  pageSize!: number;

  @ApiProperty({ type: 'integer', description: 'Users in total, over all pages' })
  total!: number;
}
