import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { KafkaAdminPort, KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';

const TIMEOUT_MS = 3000;

/**
 * One admin connection a service reuses for what it asks the cluster while it runs (the health check's metadata
 * request, the consumer lag at scrape time, the dashboard's group reads and resets), connected on first use; a
 * failed connect is forgotten, so the next request tries again.
 */
@Injectable()
export class KafkaAdminConnection implements OnApplicationShutdown {
  private connection?: Promise<KafkaAdminPort>;

  constructor(@Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort) {}

  /** The connected admin, for work that may take as long as it takes (a group reset). */
  admin(): Promise<KafkaAdminPort> {
    this.connection ??= this.connect();
    return this.connection;
  }

  /**
   * A probe: it gets TIMEOUT_MS, since it must not hang while Kafka is away, and a failure drops the connection, so
   * the next one connects afresh.
   */
  async use<T>(work: (admin: KafkaAdminPort) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(this.admin().then(work));
    } catch (error) {
      this.connection = undefined;
      throw error;
    }
  }

  async onApplicationShutdown() {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  private async connect(): Promise<KafkaAdminPort> {
    const admin = this.client.admin();
    try {
      await admin.connect();
      return admin;
    } catch (error) {
      this.connection = undefined;
      throw error;
    }
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Kafka within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
