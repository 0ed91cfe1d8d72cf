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
  @ApiOperation({ summary: 'List users, newest first' })
  @ApiOkResponse({ type: UsersPage })
  @ApiValidationError('page or pageSize out of bounds, or an unknown query parameter')
  async list(@Query() { page, pageSize }: ListUsersQuery): Promise<UsersPage> {
    const [users, total] = await this.listUsers.list(page, pageSize);
    return { items: users.map(toUserResponse), page, pageSize, total };
  }
}
