import { Caller, Role } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiValidationError } from '../../http/error-responses';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { UserResponse, toUserResponse } from '../user.response';
import { UserAccess } from '../user-access';

@ApiTags('users')
@Controller('users')
export class GetUserController {
  constructor(private readonly access: UserAccess) {}

  @Get(':id')
  @ApiOperation({ summary: 'Get a user', description: 'The user themself, or a holder of users:read.' })
  @ApiOkResponse({ type: UserResponse })
  @ApiUserId()
  @ApiValidationError('The id is not a UUID')
  async get(@Caller() caller: Principal, @Param('id', userIdPipe) id: string): Promise<UserResponse> {
    return toUserResponse(await this.access.check(caller, id, Role.UsersRead));
  }
}
