import { Controller, Delete, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiValidationError } from '../../http/error-responses';
import { ApiUserId, userIdPipe } from '../user-id.pipe';
import { DeleteUserService } from './delete-user.service';

@ApiTags('users')
@Controller('users')
export class DeleteUserController {
  constructor(private readonly deleteUser: DeleteUserService) {}

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a user', description: 'Publishes `user_deleted` (the id only).' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiUserId()
  @ApiValidationError('The id is not a UUID')
  async delete(@Param('id', userIdPipe) id: string): Promise<void> {
    await this.deleteUser.delete(id);
  }
}
