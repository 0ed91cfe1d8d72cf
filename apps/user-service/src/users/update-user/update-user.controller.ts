import { Body, Controller, Param, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiConflict, ApiJsonBodyErrors } from '../../http/error-responses';
import { validationFailed } from '../../http/http-errors';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { UserResponse, toUserResponse } from '../user.response';
import { UpdateUserDto } from './update-user.dto';
import { UpdateUserService } from './update-user.service';

@ApiTags('users')
@Controller('users')
export class UpdateUserController {
  constructor(private readonly updateUser: UpdateUserService) {}

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a user',
    description: 'Publishes `user_updated` with the whole new state, unless nothing changed.',
  })
  @ApiOkResponse({ type: UserResponse, description: 'The user after the change' })
  @ApiUserId()
  @ApiJsonBodyErrors('Malformed id, no field given, invalid or unknown fields, or malformed JSON')
  @ApiConflict('Another user already has this email; code EMAIL_TAKEN')
  async update(@Param('id', userIdPipe) id: string, @Body() body: UpdateUserDto): Promise<UserResponse> {
    // An empty PATCH is almost always a client bug (a field name typo is already refused as unknown).
    if (Object.values(body).every((value) => value === undefined)) {
      throw validationFailed([{ field: 'body', messages: ['must contain at least one of email, name, locale'] }]);
    }
    return toUserResponse(await this.updateUser.update(id, body));
  }
}
