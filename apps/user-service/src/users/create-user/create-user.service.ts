import { Outbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { newUser } from '../user-events';
import { User } from '../user.entity';
import { translateWriteError } from '../user.errors';
import type { CreateUserDto } from './create-user.dto';

@Injectable()
export class CreateUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** The user and its new_user event commit together: no user without its event, no event without its user. */
  async create(input: CreateUserDto): Promise<User> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const user = await manager.save(manager.create(User, input));
        await this.outbox.add(manager, 'new_user', newUser(user), { version: 2 });
        return user;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}
