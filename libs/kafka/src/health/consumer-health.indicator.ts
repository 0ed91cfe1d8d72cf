import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import type { KafkaConfig } from '../config/kafka-config';
import { ConsumerHost } from '../nest/consumer-host';
import { KAFKA_CONFIG } from '../nest/tokens';

/**
 * The service's consumer group as health checks see it. Ready while the consumer runs and no partition (of it or
 * of another group the service runs, see ConsumerHost.startGroup) is held by a dependency outage (the details name
 * the dependency and the records held, and the other groups' states); alive unless the consumer has
 * not been running for longer than KAFKA_CONSUMER_DEAD_AFTER, so that an orchestrator restarts a consumer that
 * crashed for good or never managed to start again.
 */
@Injectable()
export class ConsumerHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly host: ConsumerHost,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
  ) {}

  /** Whether the service runs a consumer group at all (a producer-only service has nothing to check here). */
  get applies(): boolean {
    return this.host.status !== undefined;
  }

  ready(key = 'consumer'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const status = this.host.status;
    if (!status) return indicator.up();
    const others = this.host.otherGroups;
    // An outage holding another group's partition (a rebuild's) holds the service's work as much as its own.
    const outage = [status, ...others.values()].flatMap(({ blocked }) => blocked.filter((b) => b.kind === 'transient'));
    const details = {
      state: status.state,
      ...(status.error && status.state !== 'running' && { error: status.error }),
      ...(status.blocked.length > 0 && { blocked: status.blocked }),
      ...(outage.length > 0 && { blockedBy: [...new Set(outage.flatMap(blockedBy))] }),
      ...(others.size > 0 && {
        groups: Object.fromEntries([...others].map(([groupId, other]) => [groupId, other.state])),
      }),
    };
    return status.state === 'running' && outage.length === 0 ? indicator.up(details) : indicator.down(details);
  }

  live(key = 'consumer'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const status = this.host.status;
    if (!status) return indicator.up();
    const notRunningForMs = this.host.notRunningForMs();
    const details = { state: status.state, notRunningForMs, deadAfterMs: this.config.consumer.deadAfterMs };
    return notRunningForMs > this.config.consumer.deadAfterMs ? indicator.down(details) : indicator.up(details);
  }
}

/** The dependencies found down at the last attempt, else the failure's code (e.g. SMTP_UNAVAILABLE). */
const blockedBy = (blocked: { dependencies: readonly string[]; code: string }): readonly string[] =>
  blocked.dependencies.length > 0 ? blocked.dependencies : [blocked.code];
