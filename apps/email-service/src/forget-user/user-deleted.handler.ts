import type { UserDeletedV1 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { AggregateVersions, Inbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { SentEmail } from '../sent-emails/sent-email.entity';

/**
 * Erasure: a deleted user's address and name leave this service's data. The record that a welcome mail
 * went out (user id, event, Message-ID, time) stays, as it holds nothing personal beyond the id. The user's key
 * gets a tombstone (AggregateVersions), so a new_user that arrives later (a DLQ redrive) mails no one.
 */
@Injectable()
export class UserDeletedHandler {
  constructor(
    private readonly inbox: Inbox,
    private readonly versions: AggregateVersions,
  ) {}

  @HandleEvent('user_deleted', { version: 1 })
  async onUserDeleted(event: EventEnvelope<UserDeletedV1>): Promise<void> {
    await this.inbox.handleOnce(event, async (manager) => {
      await manager.update(
        SentEmail,
        { userId: event.payload.userId, erasedAt: IsNull() },
        { recipient: null, subject: null, erasedAt: () => 'now()' },
      );
      await this.versions.record(manager, event, { deletion: true });
    });
  }
}
