import type { NewUserV3 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { WelcomeMailService } from './welcome-mail.service';

@Controller()
export class NewUserHandler {
  constructor(private readonly welcomeMail: WelcomeMailService) {}

  /**
   * Reads v3; older records resolve into it with locale "en", so every version gets a mail. The library has opened
   * the sealed email: an empty one means the user was erased before the mail went, and there is nobody to write to.
   * The mail service takes the whole envelope: the inbox keys on the event id.
   */
  @EventPattern('new_user')
  async onNewUser(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'new_user'>): Promise<void> {
    if (user.email === '') return;
    await this.welcomeMail.sendOnce(context.getEnvelope());
  }
}
