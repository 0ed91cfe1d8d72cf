import type { NewUserV2 } from '@kafka-platform/events';
import { HandleEvent } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { CreateInbox1763900000001, Inbox, MessagingModule } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/service';
import { Injectable, Module } from '@nestjs/common';

@Injectable()
export class WelcomeMailHandler {
  constructor(private readonly inbox: Inbox) {}

  // v1 records are read as v2 (locale defaults to 'en'); a method taking another version's payload does not compile.
  @HandleEvent('new_user', { version: 2 })
  async onNewUser(event: EventEnvelope<NewUserV2>): Promise<void> {
    // The event id goes into the inbox in the same transaction as the effects: a redelivered event does nothing.
    await this.inbox.handleOnce(event, async (manager) => {
      await manager.query(`INSERT INTO welcome_mails (user_id, address) VALUES ($1, $2)`, [
        event.payload.userId,
        event.payload.email,
      ]);
      // Throw a TransientError while a dependency is down: the partition is held and retried for as long as the
      // outage lasts. A PlatformError with retryable=false goes to the dead-letter topic at once.
    });
  }
}

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'email-service',
      defaultPort: 3002,
      database: { entities: [], migrations: [CreateInbox1763900000001] },
      kafka: { consumerGroup: 'email-service' },
    }),
    MessagingModule.forRoot({ inbox: true }),
  ],
  providers: [WelcomeMailHandler],
})
export class EmailServiceModule {}
