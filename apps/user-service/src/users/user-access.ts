import { Role } from '@kafka-platform/platform';
import type { Principal } from '@kafka-platform/platform';
import { ForbiddenException, Injectable } from '@nestjs/common';
import { GetUserService } from './get-user/get-user.service';
import type { User } from './user.entity';

/**
 * Who may see or change one user: that user (a token whose provider-verified email is the user's) or a holder of
 * the role for all users (`users:read` to see, `users:write` to change; `admin` has both).
 */
@Injectable()
export class UserAccess {
  constructor(private readonly users: GetUserService) {}

  /** The user, when the caller may act on it with `role`; 404 if there is none, 403 if it is someone else. */
  async check(caller: Principal, id: string, role: typeof Role.UsersRead | typeof Role.UsersWrite): Promise<User> {
    const user = await this.users.get(id);
    if (caller.roles.has(role) || caller.verifiedEmail === user.email.toLowerCase()) return user;
    throw new ForbiddenException(`Only the user themself or a holder of the role ${role} may do this`);
  }
}
