import { newestFirstPage } from '@kafka-platform/platform';
import type { KeysetPage } from '@kafka-platform/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from '../user.entity';

/** The order of GET /users; the users_created_at index (created_at DESC, id DESC) serves it. */
const NEWEST_FIRST = { time: 'created_at', id: 'id' };

@Injectable()
export class ListUsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Newest first; the id breaks ties, so a page never repeats or skips a user created in the same instant. */
  list(limit: number, after?: string): Promise<KeysetPage<User>> {
    return newestFirstPage(this.users.createQueryBuilder('user'), NEWEST_FIRST, { limit, after });
  }
}
