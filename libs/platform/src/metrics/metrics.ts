import { Registry, collectDefaultMetrics } from 'prom-client';

/** The service's Prometheus registry: one per app instance, so two apps in one process (tests) never collide. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
