import type { NewUserV3 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ProjectionWriter } from './projection-writer';
import { countSignup, markSignedUp, saveProfile } from './user-projection';

/**
 * A signup counts once per user (created, and the signups of the event's UTC day), even for a user already
 * deleted: the log says they signed up. The user then shows among the current users, unless deleted, with the
 * profile of their newest event: an update that arrived first keeps its newer fields. Older events read as v3 with
 * the schema's default locale "en"; an erased user's name and email read as empty.
 */
@Controller()
export class NewUserHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @EventPattern('new_user')
  async onNewUser(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'new_user'>): Promise<void> {
    const event = context.getEnvelope();
    const { userId } = user;
    await this.projections.apply(event, async (manager, key) => {
      await countSignup(manager, userId, event.occurredAt);
      if (key.deleted) return;
      if (key.newest) await saveProfile(manager, user);
      await markSignedUp(manager, userId, event.occurredAt);
    });
  }
}
