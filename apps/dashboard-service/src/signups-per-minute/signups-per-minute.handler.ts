import type { SignupsPerMinuteV1 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { EntityManager } from 'typeorm';
import { ProjectionWriter } from '../projections/projection-writer';

/**
 * signup-analytics' windowed counts (read_committed: only committed transactions' records arrive). A window's count
 * only grows until its final record, so the row keeps the largest count and `final` once any record said so: the
 * latest record's answer whatever the order of arrival (a rebuild beside the live group, a redrive, a repeat).
 */
@Controller()
export class SignupsPerMinuteHandler {
  constructor(private readonly projections: ProjectionWriter) {}

  @EventPattern('signups_per_minute')
  async onSignupsPerMinute(
    @Payload() window: SignupsPerMinuteV1,
    @Ctx() context: KafkaEventContext<'signups_per_minute'>,
  ): Promise<void> {
    await this.projections.applyMerged(context.getEnvelope(), (manager) => saveWindow(manager, window));
  }
}

async function saveWindow(manager: EntityManager, window: SignupsPerMinuteV1): Promise<void> {
  await manager.query(
    `INSERT INTO dashboard_signups_per_minute (window_start, locale, count, final) VALUES ($1, $2, $3, $4)
     ON CONFLICT (window_start, locale) DO UPDATE
       SET count = GREATEST(dashboard_signups_per_minute.count, EXCLUDED.count),
           final = dashboard_signups_per_minute.final OR EXCLUDED.final`,
    [new Date(window.windowStart), window.locale, window.count, window.final],
  );
}
