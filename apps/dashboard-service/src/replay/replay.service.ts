import { Injectable } from '@nestjs/common';
import { ConsumerGroups } from '../consumer-groups/consumer-groups.service';
import { kafkaUnavailable } from '../consumer-groups/kafka-unavailable';
import type { Generation, RebuildFailure } from '../generations/generation';
import { Generations } from '../generations/generations';
import { progressTo } from './rebuild-progress';
import type { RebuildPartition } from './rebuild-progress';
import { rebuildGroup } from './rebuild-group';

export interface ReplayStarted {
  /** The generation being built: GET /api/replay/status follows it. */
  readonly generation: number;
  readonly state: 'building';
  readonly startedAt: string;
}

export interface ReplayStatus {
  /**
   * The latest replay: `building` until the rebuilt generation is switched to (`switched`) or refused (`failed`);
   * `idle` when no replay has run on this database.
   */
  readonly state: 'idle' | 'building' | 'switched' | 'failed';
  /** The latest replay's generation (the live one when idle). */
  readonly generation: number;
  /** The generation the dashboard serves. */
  readonly liveGeneration: number;
  readonly startedAt?: string;
  readonly switchedAt?: string;
  readonly finishedAt?: string;
  /** Events applied to the rebuilt generation so far. */
  readonly applied?: number;
  /** While building, once the handover offsets are known: records below them the rebuild has still to read. */
  readonly lag?: number;
  readonly partitions?: readonly RebuildPartition[];
  /** Why it was refused: the fields where the rebuilt stats differed from the live ones. */
  readonly failure?: RebuildFailure;
}

const STATE = { building: 'building', live: 'switched', retired: 'switched', failed: 'failed' } as const;

/**
 * Replays the log into a new projection generation beside the live one (blue/green): POST creates it and answers
 * at once; every replica's RebuildRunner then builds it, and GenerationSwitch switches to it, or refuses it.
 */
@Injectable()
export class Replay {
  constructor(
    private readonly generations: Generations,
    private readonly groups: ConsumerGroups,
  ) {}

  /** 409 REPLAY_IN_PROGRESS while a generation is being built. */
  async start(): Promise<ReplayStarted> {
    const generation = await this.generations.create();
    return { generation: generation.id, state: 'building', startedAt: generation.createdAt };
  }

  async status(): Promise<ReplayStatus> {
    const [latest, live] = await Promise.all([this.generations.latest(), this.generations.live()]);
    // The first generation came from the migrations, not from a replay.
    if (latest.state === 'live' && !latest.handover) {
      return { state: 'idle', generation: latest.id, liveGeneration: latest.id };
    }
    return {
      state: STATE[latest.state],
      generation: latest.id,
      liveGeneration: live.id,
      startedAt: latest.createdAt,
      ...(latest.switchedAt && { switchedAt: latest.switchedAt }),
      ...(latest.finishedAt && { finishedAt: latest.finishedAt }),
      applied: await this.generations.applied(latest),
      ...(await this.progress(latest)),
      ...(latest.failure && { failure: latest.failure }),
    };
  }

  private async progress(generation: Generation): Promise<Pick<ReplayStatus, 'lag' | 'partitions'>> {
    if (generation.state !== 'building' || !generation.handover) return {};
    const offsets = await this.groups
      .offsetsOf(this.groups.groupId(rebuildGroup(generation.id)))
      .catch((error: unknown) => {
        throw kafkaUnavailable(error);
      });
    const progress = progressTo(generation.handover, offsets);
    return { lag: progress.lag, partitions: progress.partitions };
  }
}
