import { METRICS_REGISTRY } from '@kafka-platform/kafka';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus registry: one per app instance, so two apps in one process (tests) never collide. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
