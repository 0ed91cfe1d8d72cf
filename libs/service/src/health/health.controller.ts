import { KafkaHealthIndicator, SchemaRegistryHealthIndicator } from '@kafka-platform/kafka';
import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorFunction } from '@nestjs/terminus';
import { PLATFORM_OPTIONS } from '../platform/platform-options';
import type { PlatformOptions } from '../platform/platform-options';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    private readonly registry: SchemaRegistryHealthIndicator,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
  ) {}

  /** Liveness: the process serves HTTP. Dependencies belong to readiness, so a broker outage never restarts pods. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: Kafka (and the consumer, if any), the schema registry and the database; 503 when one is down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.kafka.isHealthy('kafka'),
      () => this.registry.isHealthy('schemaRegistry'),
    ];
    if (this.options.database) checks.push(() => this.database.pingCheck('database', { timeout: 3000 }));
    return this.health.check(checks);
  }
}
