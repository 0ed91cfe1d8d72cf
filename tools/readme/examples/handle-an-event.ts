import type { NewUserV3 } from '@kafka-platform/events';
import { EventPattern } from '@kafka-platform/kafka';
import type { KafkaEventContext } from '@kafka-platform/kafka';
import { CreateInbox1763900000001, Inbox, MessagingModule } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Controller, Module } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';

@Controller()
export class WelcomeMailHandler {
  constructor(private readonly inbox: Inbox) {}

  // Older records are read as v3 (locale defaults to 'en'), and the library has opened the sealed email and name
  // (empty once the user is erased); a method taking another event's or version's payload does not compile.
  // Pipes, guards, interceptors and exception filters apply as to any Nest handler.
  @EventPattern('new_user')
  async onNewUser(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'new_user'>): Promise<void> {
    // The event id goes into the inbox in the same transaction as the effects: a redelivered event does nothing.
    await this.inbox.handleOnce(context.getEnvelope(), async (manager) => {
      await manager.query(`INSERT INTO welcome_mails (user_id, address) VALUES ($1, $2)`, [user.userId, user.email]);
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
  // Event handlers are controllers: runService connects the Kafka transport that serves their @EventPattern methods.
  controllers: [WelcomeMailHandler],
})
export class EmailServiceModule {}
