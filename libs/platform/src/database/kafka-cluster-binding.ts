import { setTimeout as delay } from 'node:timers/promises';
import { KAFKA_CLIENT } from '@kafka-platform/kafka';
import { ConfigError } from '@kafka-platform/core';
import type { KafkaClientPort } from '@kafka-platform/kafka';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../platform/platform-options';

// Start-up waits this long for the answer; Kafka down at start-up is no reason not to start (see KafkaLifecycle).
const FOREGROUND_WAIT_MS = 3_000;
const RETRY_MS = 5_000;

export interface ClusterMismatch {
  readonly recorded: string;
  readonly current: string;
}

/**
 * Keeps a service's database and its Kafka cluster together: the first cluster the service talks to is recorded
 * in its database, and a later start against another cluster (another machine's stack, a reset broker, a wrong
 * KAFKA_BROKERS) is refused with a message that says so, instead of mixing two logs' worth of state (an inbox
 * that swallows new events, projections that no replay can reproduce). KAFKA_CLUSTER_REBIND=true records the new
 * cluster instead, for a deliberate move (a failover to a mirrored cluster). When Kafka cannot be reached at
 * start-up, the check runs once it can, and a mismatch found then makes the service unready.
 */
@Injectable()
export class KafkaClusterBinding implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('KafkaCluster');
  private readonly closing = new AbortController();
  private background?: Promise<void>;
  private found?: ClusterMismatch;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly client: KafkaClientPort,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** The mismatch found after start-up, if any (readiness reports it). */
  get mismatch(): ClusterMismatch | undefined {
    return this.found;
  }

  async onApplicationBootstrap(): Promise<void> {
    const first = this.check();
    const waiting = new AbortController();
    const outcome = await Promise.race([
      first.then(
        (mismatch) => ({ mismatch }),
        () => 'unreachable' as const,
      ),
      delay(FOREGROUND_WAIT_MS, 'unreachable' as const, { signal: waiting.signal }),
    ]).finally(() => waiting.abort());
    if (outcome !== 'unreachable') {
      if (outcome.mismatch) throw mismatchError(outcome.mismatch);
      return;
    }
    this.background = this.checkLater(first);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing.abort();
    await this.background;
  }

  private async checkLater(first: Promise<ClusterMismatch | undefined>): Promise<void> {
    const { signal } = this.closing;
    const closing = new Promise<'closing'>((resolve) => signal.addEventListener('abort', () => resolve('closing')));
    for (let attempt = first; ; attempt = this.check()) {
      // Shutdown does not wait for an attempt in flight; its outcome, whenever it comes, is handled here.
      const outcome = await Promise.race([
        attempt.then(
          (mismatch) => ({ mismatch }),
          () => 'failed' as const,
        ),
        closing,
      ]);
      if (outcome === 'closing') return;
      if (outcome !== 'failed') {
        if (outcome.mismatch) {
          this.found = outcome.mismatch;
          this.logger.error(mismatchError(outcome.mismatch).message);
        }
        return;
      }
      await delay(RETRY_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
    }
  }

  /** Records the cluster on first contact; answers the mismatch when the database follows another one. */
  private async check(): Promise<ClusterMismatch | undefined> {
    const current = await this.currentClusterId();
    const [row] = (await this.dataSource.query(
      `INSERT INTO kafka_cluster (cluster_id) VALUES ($1)
       ON CONFLICT (singleton) DO UPDATE SET cluster_id = kafka_cluster.cluster_id
       RETURNING cluster_id`,
      [current],
    )) as { cluster_id: string }[];
    const recorded = row?.cluster_id ?? current;
    if (recorded === current) return undefined;
    if (!this.config.kafkaClusterRebind) return { recorded, current };
    await this.dataSource.query(`UPDATE kafka_cluster SET cluster_id = $1, recorded_at = now()`, [current]);
    this.logger.warn(`KAFKA_CLUSTER_REBIND=true: the database now follows Kafka cluster ${current} (was ${recorded})`);
    return undefined;
  }

  private async currentClusterId(): Promise<string> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      return await admin.clusterId();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

function mismatchError({ recorded, current }: ClusterMismatch): ConfigError {
  return new ConfigError([
    `KAFKA_BROKERS points at Kafka cluster ${current}, but the database of DATABASE_URL holds data written ` +
      `against cluster ${recorded}: its inbox, projections and outbox follow that cluster's log. Point ` +
      `KAFKA_BROKERS at cluster ${recorded}, or give the service a fresh database (local stack: npm run ` +
      `stack:reset), or, after a deliberate move to ${current}, start once with KAFKA_CLUSTER_REBIND=true.`,
  ]);
}
