import { PersonalDataWriter } from '@kafka-platform/kafka';
import { MessagingModule, OUTBOX_MIGRATIONS, Outbox } from '@kafka-platform/messaging';
import { PlatformModule } from '@kafka-platform/platform';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class SignUpService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly personalData: PersonalDataWriter,
  ) {}

  /** The user's row, its data key and its new_user event commit together, or none does. */
  async signUp(userId: string, email: string, name: string, locale: string): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      // Crypto-shredding: a key per user, kept with the row and published on user-keys before the first event.
      const { wrappedKey } = this.personalData.issueKey(userId);
      await manager.query(`INSERT INTO users (id, email, name, locale, wrapped_key) VALUES ($1, $2, $3, $4, $5)`, [
        userId,
        email,
        name,
        locale,
        wrappedKey,
      ]);
      await this.outbox.add(manager, 'user_key', { userId, wrappedKey });
      // 'new_user' decides the payload's type (the catalog's latest version): a wrong field does not compile.
      const personalData = this.personalData.seal('new_user', userId, wrappedKey, { email, name });
      const event = await this.outbox.add(manager, 'new_user', { userId, email: '', name: '', locale, personalData });
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
