import { RequireRoles, Role } from '@kafka-platform/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiValidationError } from '../../http/error-responses';
import { toUserResponse } from '../user.response';
import { ListUsersQuery, UsersPage } from './list-users.dto';
import { ListUsersService } from './list-users.service';

@ApiTags('users')
@Controller('users')
export class ListUsersController {
  constructor(private readonly listUsers: ListUsersService) {}

  @Get()
  @RequireRoles(Role.UsersRead)
  @ApiOperation({
    summary: 'List users, newest first',
    description:
      'Keyset pagination: the first page without `after`, each next one with `after` set to the `nextCursor` ' +
      'of the page before, until `nextCursor` is null. A page costs the same however deep it is, and users ' +
      'created meanwhile neither repeat nor skip anyone. There is no total count: counting the users would ' +
      'read the whole table on every page.',
  })
  @ApiOkResponse({ type: UsersPage })
  @ApiValidationError('limit out of bounds, an after that is not a nextCursor, or an unknown query parameter')
  async list(@Query() { limit, after }: ListUsersQuery): Promise<UsersPage> {
    const { items, nextCursor } = await this.listUsers.list(limit, after);
    return { items: items.map(toUserResponse), nextCursor };
  }
}
