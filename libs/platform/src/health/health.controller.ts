import { ConsumerHealthIndicator } from '@kafka-platform/kafka';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorFunction } from '@nestjs/terminus';
import { KafkaClusterBinding } from '../database/kafka-cluster-binding';
import { Public } from '../auth/auth.decorators';
import { PLATFORM_OPTIONS } from '../platform/platform-options';
import type { PlatformOptions } from '../platform/platform-options';

// Open: the kubelet and load balancers probe without a token, and the answers say nothing about users.
@Public()
@SkipThrottle({ requests: true, signups: true })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly consumer: ConsumerHealthIndicator,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Optional() private readonly cluster?: KafkaClusterBinding,
  ) {}

  /**
   * Liveness: the process serves HTTP and its consumer (if any) has not been dead for longer than
   * KAFKA_CONSUMER_DEAD_AFTER. Dependencies are readiness' business: an outage elsewhere never restarts pods.
   */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check(this.consumer.applies ? [() => this.consumer.live('consumer')] : []);
  }

  /**
   * Readiness: the service's own database answers, and its consumer (if any) runs without a partition held by a
   * dependency outage. Kafka and the registry are not part of it: while they are down the outbox keeps the
   * events and the API keeps answering, which is the point of having one.
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [];
    if (this.options.database) checks.push(() => this.database.pingCheck('database', { timeout: 3000 }));
    if (this.consumer.applies) checks.push(() => this.consumer.ready('consumer'));
    const mismatch = this.cluster?.mismatch;
    // Found after start-up (Kafka was unreachable then): the database follows another cluster's log.
    if (mismatch) checks.push(() => this.indicators.check('kafkaCluster').down({ ...mismatch }));
    return this.health.check(checks);
  }
}
