import type { NewUserV2 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import { WelcomeMailService } from './welcome-mail.service';

@Injectable()
export class NewUserHandler {
  constructor(private readonly welcomeMail: WelcomeMailService) {}

  /** Reads v2; v1 records resolve into it with locale "en", so both versions get a mail. */
  @HandleEvent('new_user', { version: 2 })
  async onNewUser(event: EventEnvelope<NewUserV2>): Promise<void> {
    await this.welcomeMail.sendOnce(event);
  }
}
