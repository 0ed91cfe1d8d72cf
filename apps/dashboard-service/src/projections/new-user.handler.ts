import type { NewUserV2 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { maskEmail } from '../stats/mask-email';
import { ProjectionWriter } from './projection-writer';

/**
 * A signup: the user joins the current users, and the created count and the signups of the event's UTC day
 * go up. The counters move only when the user row was actually inserted, so a second new_user for the same
 * user (a re-published event with a new id) cannot count twice even past the inbox. v1 events read as v2
 * with the schema's default locale "en".
 */
@Injectable()
export class NewUserHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @HandleEvent('new_user', { version: 2 })
  async onNewUser(event: EventEnvelope<NewUserV2>): Promise<void> {
    const { userId, name, email, locale } = event.payload;
    await this.projections.apply(event, async (manager) => {
      await manager.query(
        `WITH added AS (
           INSERT INTO dashboard_users (user_id, name, masked_email, locale, created_at)
           VALUES ($1, $2, $3, $4, $5::timestamptz)
           ON CONFLICT (user_id) DO NOTHING
           RETURNING created_at
         ), counted AS (
           INSERT INTO dashboard_counters (name, value) SELECT 'created', 1 FROM added
           ON CONFLICT (name) DO UPDATE SET value = dashboard_counters.value + 1
         )
         INSERT INTO dashboard_signups_per_day (day, count)
         SELECT (created_at AT TIME ZONE 'UTC')::date, 1 FROM added
         ON CONFLICT (day) DO UPDATE SET count = dashboard_signups_per_day.count + 1`,
        [userId, name, maskEmail(email), locale, event.occurredAt],
      );
    });
  }
}
