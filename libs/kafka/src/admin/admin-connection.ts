import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { KafkaAdminPort, KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';

const TIMEOUT_MS = 3000;

/**
 * One admin connection a service reuses for what it asks the cluster while it runs (the health check's metadata
 * request, the consumer lag at scrape time), connected on first use. A request gets TIMEOUT_MS: a probe must not
 * hang while Kafka is away. A failed request drops the connection, so the next one connects afresh.
 */
@Injectable()
export class KafkaAdminConnection implements OnApplicationShutdown {
  private admin?: Promise<KafkaAdminPort>;

  constructor(@Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort) {}

  async use<T>(work: (admin: KafkaAdminPort) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.connected().then(work));
    } catch (error) {
      this.admin = undefined;
      throw error;
    }
  }

  async onApplicationShutdown() {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((connected) => connected.disconnect()).catch(() => undefined);
  }

  private connected(): Promise<KafkaAdminPort> {
    this.admin ??= (async () => {
      const admin = this.client.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
