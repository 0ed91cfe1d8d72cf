import type { UserUpdatedV1 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { maskEmail } from '../stats/mask-email';
import { ProjectionWriter } from './projection-writer';

/**
 * A profile change overwrites the user's name, address and locale (the event carries the whole new state, so
 * applying it twice changes nothing). A user the dashboard never saw sign up is not invented here: it would
 * count as a user without a signup.
 */
@Injectable()
export class UserUpdatedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('user_updated', { version: 1 })
  async onUserUpdated(event: EventEnvelope<UserUpdatedV1>): Promise<void> {
    const { userId, name, email, locale } = event.payload;
    await this.projections.apply(event, async (manager) => {
      await manager.query(`UPDATE dashboard_users SET name = $2, masked_email = $3, locale = $4 WHERE user_id = $1`, [
        userId,
        name,
        maskEmail(email),
        locale,
      ]);
    });
  }
}
