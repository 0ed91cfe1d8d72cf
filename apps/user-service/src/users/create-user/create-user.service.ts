import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserEvents } from '../user-events';
import { User } from '../user.entity';
import { translateWriteError } from '../user.errors';
import type { CreateUserDto } from './create-user.dto';

@Injectable()
export class CreateUserService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: UserEvents,
  ) {}

  /** The user and its new_user event commit together: no user without its event, no event without its user. */
  async create(input: CreateUserDto): Promise<User> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        // One plain INSERT ... RETURNING: the sign-up is the hot path, and save()'s entity machinery (subjects,
        // listeners, metadata walks) was the largest share of its CPU in a profile.
        // The id is chosen here: the data key is bound to it, and its user_key row goes before the new_user row.
        const id = randomUUID();
        const wrappedKey = await this.events.issueKey(manager, id);
        const [row] = (await manager.query(
          `INSERT INTO users (id, email, name, locale, wrapped_key) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, email, name, locale, wrapped_key AS "wrappedKey", created_at AS "createdAt", updated_at AS "updatedAt"`,
          [id, input.email, input.name, input.locale, wrappedKey],
        )) as User[];
        const user = Object.assign(new User(), row, { wrappedKey });
        await this.events.created(manager, user);
        return user;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}
