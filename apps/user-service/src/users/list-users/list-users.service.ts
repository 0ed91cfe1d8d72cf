import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from '../user.entity';

@Injectable()
export class ListUsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Newest first; the id breaks ties so a page never repeats or skips a user created in the same instant. */
  list(page: number, pageSize: number): Promise<[User[], number]> {
    return this.users.findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
  }
}
