import {
  CreateAggregateVersions1764200000000,
  CreateInbox1763900000001,
  MessagingModule,
} from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserDeletedHandler } from './forget-user/user-deleted.handler';
import { ListEmailsController } from './list-emails/list-emails.controller';
import { MailModule } from './mail/mail.module';
import { CreateSentEmails1764000000000 } from './migrations/1764000000000-create-sent-emails';
import { CreateErasedUsers1764000000001 } from './migrations/1764000000001-create-erased-users';
import { ErasedUsersToAggregateVersions1764200000001 } from './migrations/1764200000001-erased-users-to-aggregate-versions';
import { SentEmail } from './sent-emails/sent-email.entity';
import { NewUserHandler } from './welcome-mail/new-user.handler';
import { WelcomeMailMetrics } from './welcome-mail/welcome-mail.metrics';
import { WelcomeMailService } from './welcome-mail/welcome-mail.service';

/**
 * Sends a welcome mail for each new user (consumer group email-service) and forgets a deleted user's
 * address. user_updated has no handler on purpose: the welcome mail went to the address the user signed up
 * with and is not sent again, and this service keeps no profile that a change would have to follow.
 */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'email-service',
      defaultPort: 3002,
      database: {
        entities: [SentEmail],
        migrations: [
          CreateInbox1763900000001,
          CreateSentEmails1764000000000,
          CreateErasedUsers1764000000001,
          CreateAggregateVersions1764200000000,
          ErasedUsersToAggregateVersions1764200000001,
        ],
      },
      kafka: { consumerGroup: 'email-service' },
    }),
    MessagingModule.forRoot({ inbox: true }),
    TypeOrmModule.forFeature([SentEmail]),
    MailModule,
  ],
  // The handlers are controllers of events: the Kafka transport serves their @EventPattern methods.
  controllers: [ListEmailsController, NewUserHandler, UserDeletedHandler],
  providers: [WelcomeMailService, WelcomeMailMetrics],
})
export class EmailServiceModule {}
