import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserEvents } from '../user-events';
import { User } from '../user.entity';
import { userNotFound } from '../user.errors';

@Injectable()
export class DeleteUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: UserEvents,
  ) {}

  async delete(id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const { affected } = await manager.delete(User, { id });
      if (!affected) throw userNotFound(id);
      // The row held the only other copy of the data key: with the tombstone, the user's events are unreadable.
      await this.events.deleted(manager, id);
    });
  }
}
