import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CreateUserController } from './create-user/create-user.controller';
import { CreateUserService } from './create-user/create-user.service';
import { DeleteUserController } from './delete-user/delete-user.controller';
import { DeleteUserService } from './delete-user/delete-user.service';
import { GetUserController } from './get-user/get-user.controller';
import { GetUserService } from './get-user/get-user.service';
import { ListUsersController } from './list-users/list-users.controller';
import { ListUsersService } from './list-users/list-users.service';
import { UpdateUserController } from './update-user/update-user.controller';
import { UserAccess } from './user-access';
import { UpdateUserService } from './update-user/update-user.service';
import { UserEvents } from './user-events';
import { User } from './user.entity';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [
    CreateUserController,
    ListUsersController,
    GetUserController,
    UpdateUserController,
    DeleteUserController,
  ],
  providers: [
    CreateUserService,
    ListUsersService,
    GetUserService,
    UpdateUserService,
    DeleteUserService,
    UserAccess,
    UserEvents,
  ],
})
export class UsersModule {}
