// Boots the real dashboard-service in-process on the real stack, isolated from every other suite: its own
// Kafka namespace (topics and groups) and its own throw-away database.
import { EventPublisher, KAFKA_CLIENT } from '@kafka-platform/kafka';
import type { KafkaClientPort, PublishOptions, PublishedEvent } from '@kafka-platform/kafka';
import { createServiceApp } from '@kafka-platform/service';
import { startIsolatedApp, waitFor } from '@kafka-platform/testing';
import type { IsolatedApp } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DashboardServiceModule } from '../../src/dashboard-service.module';
import type { Stats } from '../../src/stats/stats';

export interface DashboardUnderTest extends IsolatedApp<NestExpressApplication> {
  readonly groupId: string;
  readonly client: KafkaClientPort;
  publish(type: string, payload: unknown, options?: PublishOptions): Promise<PublishedEvent>;
  get<T>(path: string): Promise<T>;
  /** Waits until GET /api/stats satisfies `accept` and returns those stats. */
  statsWhere(description: string, accept: (stats: Stats) => boolean, timeoutMs?: number): Promise<Stats>;
}

export async function startDashboard(): Promise<DashboardUnderTest> {
  const service = await startIsolatedApp('dashboard_service', () => createServiceApp(DashboardServiceModule));
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${service.url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    ...service,
    groupId: `${service.namespace}.dashboard-service`,
    client: service.app.get<KafkaClientPort>(KAFKA_CLIENT),
    publish: (type, payload, options) => service.app.get(EventPublisher).publish(type, payload, options),
    get,
    statsWhere: (description, accept, timeoutMs = 20_000) =>
      waitFor(
        description,
        async () => {
          const stats = await get<Stats>('/api/stats');
          return accept(stats) ? stats : undefined;
        },
        { timeoutMs },
      ),
  };
}
