import { MessagingModule, OUTBOX_MIGRATIONS, Outbox } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class SignUpService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  /** The user's row and its new_user event commit together, or neither does. */
  async signUp(userId: string, email: string, name: string, locale: string): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO users (id, email, name, locale) VALUES ($1, $2, $3, $4)`, [
        userId,
        email,
        name,
        locale,
      ]);
      // 'new_user' decides the payload's type (the catalog's latest version): a wrong field does not compile.
      const event = await this.outbox.add(manager, 'new_user', { userId, email, name, locale });
      return event.id;
    });
  }
}

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'user-service',
      defaultPort: 3001,
      database: { entities: [], migrations: [...OUTBOX_MIGRATIONS] },
    }),
    // The relay publishes committed rows in order per key, with the event id fixed at write time.
    MessagingModule.forRoot({ outbox: {} }),
  ],
  providers: [SignUpService],
})
export class UserServiceModule {}
