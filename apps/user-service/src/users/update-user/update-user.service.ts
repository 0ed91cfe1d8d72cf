import { Outbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { userUpdated } from '../user-events';
import { User } from '../user.entity';
import { translateWriteError, userNotFound } from '../user.errors';
import type { UpdateUserDto } from './update-user.dto';

@Injectable()
export class UpdateUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Locks the row, so two concurrent updates of one user publish their user_updated events in the order their
   * states were written. A request that changes nothing publishes nothing.
   */
  async update(id: string, changes: UpdateUserDto): Promise<User> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const user = await manager.findOne(User, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!user) throw userNotFound(id);
        if (!applyChanges(user, changes)) return user;
        const saved = await manager.save(user);
        await this.outbox.add(manager, 'user_updated', userUpdated(saved));
        return saved;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}

function applyChanges(user: User, changes: UpdateUserDto): boolean {
  let changed = false;
  for (const field of ['email', 'name', 'locale'] as const) {
    const value = changes[field];
    if (value !== undefined && value !== user[field]) {
      user[field] = value;
      changed = true;
    }
  }
  return changed;
}
