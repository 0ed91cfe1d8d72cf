// Boots the real dashboard-service in-process on the real stack, isolated from every other suite: its own
// Kafka namespace (topics and groups) and its own throw-away database; and more replicas on the same ones.
import { EventPublisher, KAFKA_CLIENT } from '@kafka-platform/kafka';
import type { KafkaClientPort, PublishOptions, PublishedEvent } from '@kafka-platform/kafka';
import { ManagementServer, createServiceApp } from '@kafka-platform/platform';
import { authHeaders, startIsolatedApp, startReplica, waitFor } from '@kafka-platform/testing';
import type { IsolatedApp } from '@kafka-platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { DashboardServiceModule } from '../../src/dashboard-service.module';
import { Generations } from '../../src/generations/generations';
import { StatsQuery } from '../../src/stats/stats.query';
import type { Stats } from '../../src/stats/stats';

export interface DashboardUnderTest extends IsolatedApp<NestExpressApplication> {
  readonly groupId: string;
  readonly client: KafkaClientPort;
  publish(type: string, payload: unknown, options?: PublishOptions): Promise<PublishedEvent>;
  /** GET as the demo admin (names unmasked). */
  get<T>(path: string): Promise<T>;
  /** The management port's /metrics text. */
  metrics(): Promise<string>;
  /** Waits until GET /health/ready answers 200: the database answers and the consumer has joined its group. */
  ready(): Promise<void>;
  /** Waits until GET /api/stats satisfies `accept` and returns those stats. */
  statsWhere(description: string, accept: (stats: Stats) => boolean, timeoutMs?: number): Promise<Stats>;
  /**
   * Waits until every one of these events has been applied to the live generation (its inbox row committed) and
   * the stats GET /api/stats serves include them (the shared snapshot refreshes just after the commit's NOTIFY).
   */
  handled(eventIds: readonly string[]): Promise<void>;
  /** Runs SQL in the live projection generation (its schema first on the search_path). */
  inLiveGeneration<T = unknown[]>(sql: string, parameters?: unknown[]): Promise<T>;
  /** Every row of every table of the dashboard's database that contains one of `texts` (case-insensitive). */
  rowsMentioning(texts: readonly string[]): Promise<string[]>;
}

/** The stats without the time they were read: what two reads of the same read model agree on. */
export const withoutReadTime = ({ updatedAt: _at, ...rest }: Stats): Omit<Stats, 'updatedAt'> => rest;

export async function startDashboard(): Promise<DashboardUnderTest> {
  return underTest(await startIsolatedApp('dashboard_service', () => createServiceApp(DashboardServiceModule)));
}

/** Two replicas on one database and namespace, both ready, so the live group's partitions are split between them. */
export async function startTwoDashboards(): Promise<[DashboardUnderTest, DashboardUnderTest]> {
  const a = await startDashboard();
  const b = await startDashboardReplica(a);
  await Promise.all([a.ready(), b.ready()]);
  return [a, b];
}

/** A second replica of `dashboard`: the same namespace (topic, consumer group) and database. */
export async function startDashboardReplica(dashboard: DashboardUnderTest): Promise<DashboardUnderTest> {
  return underTest(await startReplica(dashboard, () => createServiceApp(DashboardServiceModule)));
}

function underTest(service: IsolatedApp<NestExpressApplication>): DashboardUnderTest {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${service.url}${path}`, { headers: await authHeaders('ada') });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const dataSource = service.app.get(DataSource);
  const inLiveGeneration = <T>(sql: string, parameters: unknown[] = []): Promise<T> =>
    service.app.get(Generations).readLive((manager) => manager.query(sql, parameters));
  return {
    ...service,
    groupId: `${service.namespace}.dashboard-service`,
    client: service.app.get<KafkaClientPort>(KAFKA_CLIENT),
    publish: (type, payload, options) => service.app.get(EventPublisher).publish(type, payload, options),
    get,
    metrics: async () => (await fetch(`${service.app.get(ManagementServer).url}/metrics`)).text(),
    ready: async () => {
      await waitFor('the dashboard to be ready', async () => (await fetch(`${service.url}/health/ready`)).ok);
    },
    statsWhere: (description, accept, timeoutMs = 20_000) =>
      waitFor(
        description,
        async () => {
          const stats = await get<Stats>('/api/stats');
          return accept(stats) ? stats : undefined;
        },
        { timeoutMs },
      ),
    handled: async (eventIds) => {
      await waitFor(`events ${eventIds.join(', ')} applied`, async () => {
        const [{ count }] = await inLiveGeneration<{ count: number }[]>(
          `SELECT count(*)::int AS count FROM inbox WHERE event_id = ANY($1::uuid[])`,
          [eventIds],
        );
        return count === eventIds.length;
      });
      await waitFor('the served stats to include them', async () => {
        const served = await get<Stats>('/api/stats');
        const fresh = await service.app.get(StatsQuery).read();
        // Compared as JSON, as the API serves them (fetch's objects come from another realm than Jest's).
        return JSON.stringify(withoutReadTime(served)) === JSON.stringify(withoutReadTime(fresh));
      });
    },
    inLiveGeneration,
    rowsMentioning: (texts) => rowsMentioning(dataSource, texts),
  };
}

async function rowsMentioning(dataSource: DataSource, texts: readonly string[]): Promise<string[]> {
  const tables: { schema: string; name: string }[] = await dataSource.query(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const patterns = texts.map((text) => `%${text.replace(/[\\%_]/g, '\\$&')}%`);
  const found: string[] = [];
  for (const { schema, name } of tables) {
    const rows: { row: string }[] = await dataSource.query(
      `SELECT to_jsonb(t)::text AS row FROM "${schema}"."${name}" t WHERE to_jsonb(t)::text ILIKE ANY($1)`,
      [patterns],
    );
    found.push(...rows.map(({ row }) => `${schema}.${name}: ${row}`));
  }
  return found;
}
