import type { UserDeletedV1 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { ProjectionWriter } from './projection-writer';

/**
 * A deletion removes the user, and with it the name and masked address from recent signups: the dashboard
 * keeps no personal data of deleted users. The deleted count moves only when a row was removed, so a repeated
 * deletion counts once.
 */
@Injectable()
export class UserDeletedHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('user_deleted', { version: 1 })
  async onUserDeleted(event: EventEnvelope<UserDeletedV1>): Promise<void> {
    await this.projections.apply(event, async (manager) => {
      await manager.query(
        `WITH removed AS (DELETE FROM dashboard_users WHERE user_id = $1 RETURNING user_id)
         INSERT INTO dashboard_counters (name, value) SELECT 'deleted', 1 FROM removed
         ON CONFLICT (name) DO UPDATE SET value = dashboard_counters.value + 1`,
        [event.payload.userId],
      );
    });
  }
}
