import { ConsumerHost } from '@kafka-platform/kafka';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { ConsumerGroups } from '../consumer-groups/consumer-groups.service';
import { lockGenerations, useSchema } from '../generations/generation';
import type { Generation, GenerationState, Handover, StatsDifference } from '../generations/generation';
import { Generations, countApplied } from '../generations/generations';
import { announce } from '../projections/projection-changes';
import { statsDifference } from '../stats/stats-difference';
import { StatsQuery } from '../stats/stats.query';
import { progressTo } from './rebuild-progress';
import { rebuildGroup } from './rebuild-group';

/**
 * Ends a rebuild: switches the dashboard to the rebuilt generation once it holds the whole log, after checking
 * it shows what the live one shows, or refuses it. Any replica may try, as often as it likes: the decision is
 * taken under the EXCLUSIVE lock on the control table, so once, and no projection transaction runs meanwhile.
 *
 * Why the rebuilt generation G holds every event of the log exactly once when it is switched to. G is created
 * (committed) at time C; H is the high watermark of each partition read after C (the handover, recorded by
 * whichever replica read it first: any value read after C will do). Take a record at offset o of partition p:
 * - o < H[p]: the rebuild group reads the partition from its start and applies every record below H[p] to G;
 *   the switch waits until that group has committed H[p], and it commits only after the transaction applying the
 *   record committed.
 * - o >= H[p]: consumers read only below the high watermark, so the live group could read the record only after
 *   H was read, after C. It applies it in a transaction that starts after reading it, reads the control table
 *   then, and sees G there (building, or live after the switch): it writes to G.
 * A record can reach G twice (the live group meets an old record again after a rebalance, or a redrive): G's own
 * inbox drops the second copy. It can reach G out of order (the live group's newer event of a user before the
 * rebuild's older one): the projections give the in-order result whatever the order (AggregateVersions). So
 * neither the live group's offsets nor its name change, and any number of replicas, each with a member in both
 * groups, can run, stop or die during a rebuild: the groups hand their partitions over as always.
 *
 * The check: the switch also waits until the live group has committed H[p] everywhere. Under the lock, the live
 * generation L holds exactly the records the live group applied, a prefix [0, P[p]) of each partition with
 * P >= H; G holds [0, H) from the rebuild group and [H, P) from the live group (the rebuild skips records from H
 * on). Both have applied the same records, so their stats must be equal; a difference means one of them is wrong
 * (a record dead-lettered by one group and applied by the other, a bug, corrupted data): G is refused (`failed`,
 * with the difference) and dropped, and L keeps serving.
 */
@Injectable()
export class GenerationSwitch {
  private readonly logger = new Logger(GenerationSwitch.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly generations: Generations,
    private readonly stats: StatsQuery,
    private readonly groups: ConsumerGroups,
    private readonly host: ConsumerHost,
  ) {}

  /** The generation's state after the attempt: still `building` while a group has not reached the handover. */
  async tryFinish(building: Generation): Promise<GenerationState> {
    if (!building.handover || !(await this.caughtUp(building.id, building.handover))) return 'building';
    return this.dataSource.transaction(async (manager) => {
      await lockGenerations(manager, 'EXCLUSIVE');
      const [live, rebuilt] = await this.generations.current(manager);
      // Another replica finished it first.
      if (!live || rebuilt?.id !== building.id) return 'building';
      const difference = await this.compare(manager, live, rebuilt);
      const applied = await countApplied(manager, rebuilt.schema);
      if (difference.length > 0) await this.refuse(manager, rebuilt, difference, applied);
      else await this.switchTo(manager, live, rebuilt, applied);
      await announce(manager, { kind: 'generations' });
      return difference.length > 0 ? 'failed' : 'live';
    });
  }

  /** Both the rebuild group and the live group have committed up to the handover offsets on every partition. */
  private async caughtUp(generation: number, handover: Handover): Promise<boolean> {
    const [rebuild, live] = await Promise.all([
      this.groups.offsetsOf(this.groups.groupId(rebuildGroup(generation))),
      this.groups.offsetsOf(this.host.groupId as string),
    ]);
    return progressTo(handover, rebuild).reached && progressTo(handover, live).reached;
  }

  private async compare(manager: EntityManager, live: Generation, rebuilt: Generation): Promise<StatsDifference[]> {
    await useSchema(manager, live.schema);
    const before = await this.stats.readIn(manager);
    await useSchema(manager, rebuilt.schema);
    return statsDifference(before, await this.stats.readIn(manager));
  }

  private async switchTo(manager: EntityManager, live: Generation, rebuilt: Generation, applied: number) {
    await manager.query(
      `UPDATE public.dashboard_generations SET state = 'retired', finished_at = now() WHERE id = $1`,
      [live.id],
    );
    await manager.query(
      `UPDATE public.dashboard_generations SET state = 'live', switched_at = now(), finished_at = now(), applied = $2
        WHERE id = $1`,
      [rebuilt.id, applied],
    );
    await manager.query(`DROP SCHEMA ${live.schema} CASCADE`);
    this.logger.log(`switched to generation ${rebuilt.id} (${applied} events applied); generation ${live.id} dropped`);
  }

  private async refuse(manager: EntityManager, rebuilt: Generation, difference: StatsDifference[], applied: number) {
    const failure = {
      code: 'REBUILD_DIFFERS',
      message: `The rebuilt projection differs from the live one in ${difference.map((d) => d.field).join(', ')}`,
      difference,
    };
    await manager.query(
      `UPDATE public.dashboard_generations SET state = 'failed', finished_at = now(), applied = $2, failure = $3
        WHERE id = $1`,
      [rebuilt.id, applied, JSON.stringify(failure)],
    );
    await manager.query(`DROP SCHEMA ${rebuilt.schema} CASCADE`);
    this.logger.error(`generation ${rebuilt.id} refused: ${failure.message}: ${JSON.stringify(difference)}`);
  }
}
