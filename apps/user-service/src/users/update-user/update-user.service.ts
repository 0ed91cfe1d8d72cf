import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserEvents } from '../user-events';
import { User } from '../user.entity';
import { translateWriteError, userNotFound } from '../user.errors';
import type { UpdateUserDto } from './update-user.dto';

@Injectable()
export class UpdateUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: UserEvents,
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
        const wrappedKey = user.wrappedKey ?? (await this.events.issueKey(manager, user.id));
        const saved = await manager.save(Object.assign(user, { wrappedKey }));
        await this.events.updated(manager, Object.assign(saved, { wrappedKey }));
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
