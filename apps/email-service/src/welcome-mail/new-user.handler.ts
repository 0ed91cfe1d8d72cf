import type { NewUserV2 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { WelcomeMailService } from './welcome-mail.service';

@Controller()
export class NewUserHandler {
  constructor(private readonly welcomeMail: WelcomeMailService) {}

  /**
   * Reads v2; v1 records resolve into it with locale "en", so both versions get a mail. The mail service takes the
   * whole envelope: the inbox keys on the event id.
   */
  @EventPattern('new_user')
  async onNewUser(@Payload() _user: NewUserV2, @Ctx() context: KafkaEventContext<'new_user'>): Promise<void> {
    await this.welcomeMail.sendOnce(context.getEnvelope());
  }
}
