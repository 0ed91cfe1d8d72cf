import type { NewUserV2, UserDeletedV1, UserUpdatedV1 } from '@kafka-platform/events';
import type { User } from './user.entity';

// Events carry the user's whole state, so a consumer needs no earlier event (or a call back) to apply one.

export const newUser = (user: User): NewUserV2 => state(user);

export const userUpdated = (user: User): UserUpdatedV1 => state(user);

export const userDeleted = (id: string): UserDeletedV1 => ({ userId: id });

const state = (user: User) => ({ userId: user.id, email: user.email, name: user.name, locale: user.locale });
