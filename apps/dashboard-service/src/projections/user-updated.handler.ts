import type { UserUpdatedV1 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { ProjectionWriter } from './projection-writer';
import { saveProfile } from './user-projection';

/**
 * A profile change replaces the user's name, address and locale (the event carries the whole new state) when
 * it is the newest event of the user: an older update that arrives late changes nothing. An update that arrives
 * before its new_user is kept, on a row that neither counts nor shows until the signup arrives.
 */
@Injectable()
export class UserUpdatedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('user_updated', { version: 1 })
  async onUserUpdated(event: EventEnvelope<UserUpdatedV1>): Promise<void> {
    await this.projections.apply(event, async (manager, key) => {
      if (key.newest && !key.deleted) await saveProfile(manager, event.payload);
    });
  }
}
