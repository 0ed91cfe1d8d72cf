import { HealthModule } from '@kafka-platform/service';
import { Module } from '@nestjs/common';

/** Projects user events into live stats (consumer group dashboard-service). */
@Module({
  imports: [HealthModule],
})
export class DashboardServiceModule {}
