import type { NewUserV2 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { ProjectionWriter } from './projection-writer';
import { countSignup, markSignedUp, saveProfile } from './user-projection';

/**
 * A signup counts once per user (created, and the signups of the event's UTC day), even for a user already
 * deleted: the log says they signed up. The user then shows among the current users, unless deleted, with the
 * profile of their newest event: an update that arrived first keeps its newer fields. v1 events read as v2 with
 * the schema's default locale "en".
 */
@Injectable()
export class NewUserHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('new_user', { version: 2 })
  async onNewUser(event: EventEnvelope<NewUserV2>): Promise<void> {
    const { userId } = event.payload;
    await this.projections.apply(event, async (manager, key) => {
      await countSignup(manager, userId, event.occurredAt);
      if (key.deleted) return;
      if (key.newest) await saveProfile(manager, event.payload);
      await markSignedUp(manager, userId, event.occurredAt);
    });
  }
}
