import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { KafkaAdminConnection } from '../admin/admin-connection';

/**
 * Whether the Kafka cluster answers (a metadata request through the service's admin connection). Informational:
 * readiness does not depend on it, since a service that waits for Kafka (the outbox, a consumer's retries) is
 * exactly what keeps working through a broker outage.
 */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly admin: KafkaAdminConnection,
  ) {}

  async isHealthy(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      return indicator.up({ brokers: await this.admin.use((admin) => admin.brokerCount()) });
    } catch (error) {
      return indicator.down({ error: (error as Error).message });
    }
  }
}
