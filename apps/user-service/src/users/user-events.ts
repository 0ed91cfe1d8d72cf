import type { EventType, NewUserV3, UserDeletedV1, UserUpdatedV2 } from '@kafka-platform/events';
import { PersonalDataWriter } from '@kafka-platform/kafka';
import { Outbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { User } from './user.entity';

/**
 * The user events, with the personal fields (email, name) sealed under the user's own data key (crypto-shredding):
 * the key goes to user-keys before the user's first event, and a deletion tombstones it, after which no copy of
 * the user's events (the topic, a DLQ, a mirror) can be read. Events carry the user's whole state, so a consumer
 * needs no earlier event (or a call back) to apply one.
 */
@Injectable()
export class UserEvents {
  constructor(
    private readonly outbox: Outbox,
    private readonly personalData: PersonalDataWriter,
  ) {}

  /** A data key for a user who has none (a new one, or one from before encryption), published on user-keys. */
  async issueKey(manager: EntityManager, userId: string): Promise<string> {
    const { wrappedKey } = this.personalData.issueKey(userId);
    await this.outbox.add(manager, 'user_key', { userId, wrappedKey });
    return wrappedKey;
  }

  async created(manager: EntityManager, user: User & { wrappedKey: string }): Promise<void> {
    await this.outbox.add(manager, 'new_user', this.sealed('new_user', user));
  }

  async updated(manager: EntityManager, user: User & { wrappedKey: string }): Promise<void> {
    await this.outbox.add(manager, 'user_updated', this.sealed('user_updated', user));
  }

  /** The user_deleted event, and the tombstone that destroys the user's data key for every reader. */
  async deleted(manager: EntityManager, userId: string): Promise<void> {
    await this.outbox.tombstone(manager, 'user_key', userId);
    await this.outbox.add(manager, 'user_deleted', { userId } satisfies UserDeletedV1);
  }

  private sealed(type: EventType, user: User & { wrappedKey: string }): NewUserV3 & UserUpdatedV2 {
    const personalData = this.personalData.seal(type, user.id, user.wrappedKey, user);
    return { userId: user.id, email: '', name: '', locale: user.locale, personalData };
  }
}
