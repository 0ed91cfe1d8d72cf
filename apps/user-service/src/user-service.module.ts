import { MessagingModule, OUTBOX_MIGRATIONS } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Module } from '@nestjs/common';
import { CreateUsers1764000000000 } from './migrations/1764000000000-create-users';
import { AddUserDataKeys1765000000000 } from './migrations/1765000000000-add-user-data-keys';
import { User } from './users/user.entity';
import { UsersModule } from './users/users.module';

/** Owns users; publishes user events through its outbox. */
@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'user-service',
      defaultPort: 3001,
      database: {
        entities: [User],
        migrations: [...OUTBOX_MIGRATIONS, CreateUsers1764000000000, AddUserDataKeys1765000000000],
      },
    }),
    MessagingModule.forRoot({ outbox: {} }),
    UsersModule,
  ],
})
export class UserServiceModule {}
