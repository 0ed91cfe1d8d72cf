import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiValidationError } from '../../http/error-responses';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { UserResponse, toUserResponse } from '../user.response';
import { GetUserService } from './get-user.service';

@ApiTags('users')
@Controller('users')
export class GetUserController {
  constructor(private readonly getUser: GetUserService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiUserId()
  @ApiValidationError('The id is not a UUID')
  async get(@Param('id', userIdPipe) id: string): Promise<UserResponse> {
    return toUserResponse(await this.getUser.get(id));
  }
}
