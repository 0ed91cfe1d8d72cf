import type { UserUpdatedV2 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { ProjectionWriter } from './projection-writer';
import { saveProfile } from './user-projection';

/**
 * A profile change replaces the user's name, address and locale (the event carries the whole new state) when
 * it is the newest event of the user: an older update that arrives late changes nothing. An update that arrives
 * before its new_user is kept, on a row that neither counts nor shows until the signup arrives.
 */
@Controller()
export class UserUpdatedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @EventPattern('user_updated')
  async onUserUpdated(
    @Payload() user: UserUpdatedV2,
    @Ctx() context: KafkaEventContext<'user_updated'>,
  ): Promise<void> {
    const event = context.getEnvelope();
    await this.projections.apply(event, async (manager, key) => {
      if (key.newest && !key.deleted) await saveProfile(manager, user);
    });
  }
}
