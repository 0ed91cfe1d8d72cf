import type { UserDeletedV1 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { AggregateVersions, Inbox } from '@kafka-platform/messaging';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { IsNull } from 'typeorm';
import { SentEmail } from '../sent-emails/sent-email.entity';

/**
 * Erasure: a deleted user's address and name leave this service's data. The record that a welcome mail
 * went out (user id, event, Message-ID, time) stays, as it holds nothing personal beyond the id. The user's key
 * gets a tombstone (AggregateVersions), so a new_user that arrives later (a DLQ redrive) mails no one.
 */
@Controller()
export class UserDeletedHandler {
  constructor(
    private readonly inbox: Inbox,
    private readonly versions: AggregateVersions,
  ) {}

  @EventPattern('user_deleted')
  async onUserDeleted(
    @Payload() deleted: UserDeletedV1,
    @Ctx() context: KafkaEventContext<'user_deleted'>,
  ): Promise<void> {
    const event = context.getEnvelope();
    await this.inbox.handleOnce(event, async (manager) => {
      await manager.update(
        SentEmail,
        { userId: deleted.userId, erasedAt: IsNull() },
        { recipient: null, subject: null, erasedAt: () => 'now()' },
      );
      await this.versions.record(manager, event, { deletion: true });
    });
  }
}
