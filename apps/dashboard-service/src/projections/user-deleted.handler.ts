import type { UserDeletedV1 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ProjectionWriter } from './projection-writer';
import { countDeletion, forgetUser } from './user-projection';

/**
 * A deletion removes the user's profile, with the name and masked address, and leaves a tombstone (see
 * AggregateVersions) so that a signup or update arriving later writes nothing personal again. The deleted count
 * moves on the user's first deletion only, whether or not their signup arrived before.
 */
@Controller()
export class UserDeletedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @EventPattern('user_deleted')
  async onUserDeleted(
    @Payload() deleted: UserDeletedV1,
    @Ctx() context: KafkaEventContext<'user_deleted'>,
  ): Promise<void> {
    const event = context.getEnvelope();
    await this.projections.apply(
      event,
      async (manager, key) => {
        await forgetUser(manager, deleted.userId);
        if (key.deletedNow) await countDeletion(manager);
      },
      { deletion: true },
    );
  }
}
