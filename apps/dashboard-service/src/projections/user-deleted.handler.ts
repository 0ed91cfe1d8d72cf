import type { UserDeletedV1 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { ProjectionWriter } from './projection-writer';
import { countDeletion, forgetUser } from './user-projection';

/**
 * A deletion removes the user's profile, with the name and masked address, and leaves a tombstone (see
 * AggregateVersions) so that a signup or update arriving later writes nothing personal again. The deleted count
 * moves on the user's first deletion only, whether or not their signup arrived before.
 */
@Injectable()
export class UserDeletedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('user_deleted', { version: 1 })
  async onUserDeleted(event: EventEnvelope<UserDeletedV1>): Promise<void> {
    await this.projections.apply(
      event,
      async (manager, key) => {
        await forgetUser(manager, event.payload.userId);
        if (key.deletedNow) await countDeletion(manager);
      },
      { deletion: true },
    );
  }
}
