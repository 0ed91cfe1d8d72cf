import { HealthModule } from '@kafka-platform/service';
import { Module } from '@nestjs/common';

/** Sends welcome mails for new users (consumer group email-service). */
@Module({
  imports: [HealthModule],
})
export class EmailServiceModule {}
