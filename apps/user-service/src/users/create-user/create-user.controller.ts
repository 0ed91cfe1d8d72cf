import { Public, SignupRateLimit } from '@kafka-platform/platform';
import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiConflict, ApiJsonBodyErrors } from '../../http/error-responses';
import { UserResponse, toUserResponse } from '../user.response';
import { CreateUserDto } from './create-user.dto';
import { CreateUserService } from './create-user.service';

@ApiTags('users')
@Controller('users')
export class CreateUserController {
  constructor(private readonly createUser: CreateUserService) {}

  @Post()
  // Signing up needs no account; a per-address rate limit keeps it from being a mail cannon.
  @Public()
  @SignupRateLimit()
  @ApiOperation({
    summary: 'Create a user',
    description: 'Publishes `new_user` (v2) on user-events. Public (no token), 10 per minute per address.',
    security: [],
  })
  @ApiCreatedResponse({ type: UserResponse, description: 'The new user' })
  @ApiJsonBodyErrors()
  @ApiConflict('A user with this email (compared case-insensitively) already exists; code EMAIL_TAKEN')
  async create(@Body() body: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.createUser.create(body));
  }
}
