import { HealthModule } from '@kafka-platform/service';
import { Module } from '@nestjs/common';

/** Owns users; publishes user events through its outbox. */
@Module({
  imports: [HealthModule],
})
export class UserServiceModule {}
