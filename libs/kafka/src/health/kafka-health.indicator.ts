import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { KafkaAdminPort, KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';

const TIMEOUT_MS = 3000;

/**
 * Whether the Kafka cluster answers (a metadata request through one reused admin connection). Informational:
 * readiness does not depend on it, since a service that waits for Kafka (the outbox, a consumer's retries) is
 * exactly what keeps working through a broker outage.
 */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin?: Promise<KafkaAdminPort>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
  ) {}

  async isHealthy(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const brokers = await withTimeout(this.connectedAdmin().then((admin) => admin.brokerCount()));
      return indicator.up({ brokers });
    } catch (error) {
      this.admin = undefined;
      return indicator.down({ error: (error as Error).message });
    }
  }

  async onApplicationShutdown() {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((connected) => connected.disconnect()).catch(() => undefined);
  }

  private connectedAdmin(): Promise<KafkaAdminPort> {
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
