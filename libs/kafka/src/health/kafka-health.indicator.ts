import { Inject, Injectable, Optional } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { KafkaAdminPort, KafkaClientPort } from '../client/kafka-ports';
import { KAFKA_CLIENT } from '../client/kafka-ports';
import { ConsumerHost } from '../nest/consumer-host';

const TIMEOUT_MS = 3000;

/**
 * Readiness of the Kafka side: the broker answers, and the service's consumer (if it has one) is running:
 * a consumer that crashed or stopped makes the service unready even while the broker is fine.
 */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private admin?: Promise<KafkaAdminPort>;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @Optional() private readonly consumerHost?: ConsumerHost,
  ) {}

  async isHealthy(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const consumer = this.consumerHost?.status;
    if (consumer && consumer.state !== 'running') return indicator.down({ consumer });
    try {
      const brokers = await withTimeout(this.connectedAdmin().then((admin) => admin.brokerCount()));
      return indicator.up({ brokers, ...(consumer && { consumer }) });
    } catch (error) {
      this.admin = undefined;
      return indicator.down({ error: (error as Error).message, ...(consumer && { consumer }) });
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
