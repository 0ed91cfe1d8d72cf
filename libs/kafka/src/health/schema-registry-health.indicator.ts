import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { KafkaConfig } from '../config/kafka-config';
import { KAFKA_CONFIG } from '../nest/tokens';

const TIMEOUT_MS = 3000;

/** Resolves when the registry's Confluent-compatible API answers; rejects with the reason otherwise. */
export async function checkSchemaRegistry(registry: KafkaConfig['schemaRegistry']): Promise<void> {
  const { url, auth } = registry;
  const response = await fetch(`${url.replace(/\/+$/, '')}/subjects`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: {
      accept: 'application/json',
      ...(auth && {
        authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
      }),
    },
  });
  if (!response.ok) throw new Error(`schema registry answered HTTP ${response.status}`);
}

/** The schema registry: without it no new schema id can be looked up (ids already seen are cached). */
@Injectable()
export class SchemaRegistryHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
  ) {}

  async isHealthy(key = 'schemaRegistry'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await checkSchemaRegistry(this.config.schemaRegistry);
      return indicator.up();
    } catch (error) {
      return indicator.down({ error: (error as Error).message });
    }
  }
}
