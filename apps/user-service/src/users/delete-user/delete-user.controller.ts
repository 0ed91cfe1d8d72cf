import { Caller, Role } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiValidationError } from '../../http/error-responses';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { UserAccess } from '../user-access';
import { DeleteUserService } from './delete-user.service';

@ApiTags('users')
@Controller('users')
export class DeleteUserController {
  constructor(
    private readonly deleteUser: DeleteUserService,
    private readonly access: UserAccess,
  ) {}

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a user',
    description: 'Publishes `user_deleted` (the id only). The user themself, or a holder of users:write.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiUserId()
  @ApiValidationError('The id is not a UUID')
  async delete(@Caller() caller: Principal, @Param('id', userIdPipe) id: string): Promise<void> {
    await this.access.check(caller, id, Role.UsersWrite);
    await this.deleteUser.delete(id);
  }
}
