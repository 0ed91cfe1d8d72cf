import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { KafkaConfig } from '../config/kafka-config';
import { KAFKA_CONFIG } from '../nest/tokens';

const TIMEOUT_MS = 3000;

/** Readiness of the schema registry: without it no event can be encoded or decoded (ids are cached, new ones are not). */
@Injectable()
export class SchemaRegistryHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
  ) {}

  async isHealthy(key = 'schemaRegistry'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const { url, auth } = this.config.schemaRegistry;
    try {
      const response = await fetch(`${url.replace(/\/+$/, '')}/subjects`, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          accept: 'application/json',
          ...(auth && {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          }),
        },
      });
      return response.ok ? indicator.up() : indicator.down({ httpStatus: response.status });
    } catch (error) {
      return indicator.down({ error: (error as Error).message });
    }
  }
}
