import { Caller, Role } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { Body, Controller, Param, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiConflict, ApiJsonBodyErrors } from '../../http/error-responses';
import { validationFailed } from '../../http/http-errors';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { UserResponse, toUserResponse } from '../user.response';
import { UpdateUserDto } from './update-user.dto';
import { UserAccess } from '../user-access';
import { UpdateUserService } from './update-user.service';

@ApiTags('users')
@Controller('users')
export class UpdateUserController {
  constructor(
    private readonly updateUser: UpdateUserService,
    private readonly access: UserAccess,
  ) {}

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a user',
    description:
      'Publishes `user_updated` with the whole new state, unless nothing changed. The user themself, or a holder of users:write.',
  })
  @ApiOkResponse({ type: UserResponse, description: 'The user after the change' })
  @ApiUserId()
  @ApiJsonBodyErrors('Malformed id, no field given, invalid or unknown fields, or malformed JSON')
  @ApiConflict('Another user already has this email; code EMAIL_TAKEN')
  async update(
    @Caller() caller: Principal,
    @Param('id', userIdPipe) id: string,
    @Body() body: UpdateUserDto,
  ): Promise<UserResponse> {
    // An empty PATCH is almost always a client bug (a field name typo is already refused as unknown).
    if (Object.values(body).every((value) => value === undefined)) {
      throw validationFailed([{ field: 'body', messages: ['must contain at least one of email, name, locale'] }]);
    }
    await this.access.check(caller, id, Role.UsersWrite);
    return toUserResponse(await this.updateUser.update(id, body));
  }
}
