import { randomUUID } from 'node:crypto';
import { ConsumerHost } from '@kafka-platform/kafka';
import { Inbox } from '@kafka-platform/messaging';
import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConsumerGroups } from '../consumer-groups/consumer-groups.service';
import { KafkaAdminSession } from '../consumer-groups/kafka-admin.session';
import { ProjectionChanges } from '../projections/projection-changes';
import { truncateProjections } from '../projections/projection-tables';
import { StatsQuery } from '../stats/stats.query';
import type { Stats } from '../stats/stats';

export interface ReplayStarted {
  readonly replayId: string;
  /** The stats just before the reset: what the rebuilt read model must show again. */
  readonly before: Stats;
}

export interface ReplayStatus {
  /** `running` from the reset until the group has caught up with the log (lag 0). */
  readonly state: 'idle' | 'running';
  /** The dashboard group's records still to read on user-events. */
  readonly lag: number;
  readonly replayId?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

/**
 * Rebuilds the read model from the log: with the consumer out of the group, move its offsets back to the
 * earliest record, then empty the projections and the inbox in one transaction; the consumer rejoins and
 * applies every event again. Offsets move first: if emptying then fails, the events are merely redelivered
 * as duplicates, whereas the other order could leave empty projections and a consumer at the log's end.
 */
@Injectable()
export class Replay {
  private resetting = false;
  private last?: { id: string; startedAt: string; finishedAt?: string };

  constructor(
    private readonly consumer: ConsumerHost,
    private readonly session: KafkaAdminSession,
    private readonly groups: ConsumerGroups,
    private readonly stats: StatsQuery,
    private readonly inbox: Inbox,
    private readonly changes: ProjectionChanges,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async start(): Promise<ReplayStarted> {
    if (this.resetting) {
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: 'A replay is already resetting the consumer group',
        code: 'REPLAY_IN_PROGRESS',
        retryable: true,
      });
    }
    this.resetting = true;
    try {
      const before = await this.consumer.whilePaused(() => this.reset());
      const replayId = randomUUID();
      this.last = { id: replayId, startedAt: new Date().toISOString() };
      this.changes.rebuilt();
      return { replayId, before };
    } finally {
      this.resetting = false;
    }
  }

  async status(): Promise<ReplayStatus> {
    const { totalLag } = await this.groups.lagOf(this.groupId());
    const last = this.last;
    if (last && !last.finishedAt && !this.resetting && totalLag === 0) last.finishedAt = new Date().toISOString();
    const running = this.resetting || (last !== undefined && last.finishedAt === undefined);
    return {
      state: running ? 'running' : 'idle',
      lag: totalLag,
      ...(last && { replayId: last.id, startedAt: last.startedAt, finishedAt: last.finishedAt }),
    };
  }

  private async reset(): Promise<Stats> {
    // Read while nothing is being applied: exactly what the rebuild has to reproduce.
    const before = await this.stats.read();
    const admin = await this.session.admin();
    await admin.resetGroupOffsets(this.groupId(), this.groups.topic);
    await this.dataSource.transaction(async (manager) => {
      await truncateProjections(manager);
      await this.inbox.clear(manager);
    });
    return before;
  }

  private groupId(): string {
    const groupId = this.consumer.groupId;
    if (!groupId) throw new Error('The dashboard-service has no consumer group configured');
    return groupId;
  }
}
