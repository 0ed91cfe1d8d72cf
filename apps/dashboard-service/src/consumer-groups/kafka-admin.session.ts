import { KAFKA_CLIENT } from '@kafka-platform/kafka';
import type { KafkaAdminPort, KafkaClientPort } from '@kafka-platform/kafka';
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';

/** One admin connection for the dashboard's reads and resets: connected on first use, reused, closed at shutdown. */
@Injectable()
export class KafkaAdminSession implements OnApplicationShutdown {
  private connected?: Promise<KafkaAdminPort>;

  constructor(@Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort) {}

  admin(): Promise<KafkaAdminPort> {
    this.connected ??= this.connect();
    return this.connected;
  }

  async onApplicationShutdown(): Promise<void> {
    const connected = this.connected;
    this.connected = undefined;
    const admin = await connected?.catch(() => undefined);
    await admin?.disconnect();
  }

  private async connect(): Promise<KafkaAdminPort> {
    const admin = this.client.admin();
    try {
      await admin.connect();
      return admin;
    } catch (error) {
      // The next request tries again rather than inheriting a failed connection forever.
      this.connected = undefined;
      throw error;
    }
  }
}
