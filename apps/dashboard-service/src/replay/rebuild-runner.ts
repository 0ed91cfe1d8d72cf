import { ConsumerHost, KafkaAdminConnection } from '@kafka-platform/kafka';
import type { SupervisedGroup } from '@kafka-platform/kafka';
import { Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { ConsumerGroups } from '../consumer-groups/consumer-groups.service';
import type { Generation } from '../generations/generation';
import { Generations } from '../generations/generations';
import { ProjectionChanges } from '../projections/projection-changes';
import { GenerationSwitch } from './generation-switch';
import { rebuildGroup } from './rebuild-group';
import { handoverOf } from './rebuild-progress';

// A pass runs on every generations change announced, and at least this often in case an announcement was missed.
const PASS_EVERY_MS = 1000;

/**
 * This replica's part in a replay. Every replica runs one, so any number of replicas take part and any of them may
 * stop or die without stalling the rebuild. Each pass:
 * - records the handover offsets of the generation being built if no replica has yet (see GenerationSwitch);
 * - runs this replica's member of that generation's rebuild group, and stops it once the rebuild is over: the group
 *   spreads the partitions over the replicas, and gives a dead replica's to the others;
 * - tries the switch (decided once, under a lock, whichever replica gets there first);
 * - deletes finished rebuilds' groups once their last member has left, so they leave the lag view.
 */
@Injectable()
export class RebuildRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RebuildRunner.name);
  private running?: { readonly generation: number; readonly group: SupervisedGroup };
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private again = false;
  private closing = false;
  private failures = 0;

  constructor(
    private readonly generations: Generations,
    private readonly switcher: GenerationSwitch,
    private readonly host: ConsumerHost,
    private readonly groups: ConsumerGroups,
    private readonly session: KafkaAdminConnection,
    private readonly changes: ProjectionChanges,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.changes.changes$.subscribe((change) => {
      if (change.kind !== 'handled') this.poke();
    });
    this.timer = setInterval(() => this.poke(), PASS_EVERY_MS);
    this.poke();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
    await this.pass;
    await this.follow(undefined);
  }

  /** Runs a pass now, or right after the one in progress: passes never overlap, pokes meanwhile fold into one. */
  private poke(): void {
    if (this.closing) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.reconcile()
      .then(() => {
        this.failures = 0;
      })
      .catch((error: Error) => this.failed(error))
      .finally(() => {
        this.pass = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  private async reconcile(): Promise<void> {
    let building = await this.generations.building();
    if (building && !building.handover) building = await this.handOver(building);
    await this.follow(building);
    if (building && (await this.switcher.tryFinish(building)) !== 'building') await this.follow(undefined);
    await this.deleteFinishedGroups();
  }

  /**
   * Each partition's end (its high watermark) on every topic the group reads, read now, after the generation's
   * creation committed: the handover.
   */
  private async handOver(building: Generation): Promise<Generation | undefined> {
    const offsets = await this.groups.offsetsOf(this.host.groupId as string);
    return this.generations.setHandover(building.id, handoverOf(offsets));
  }

  /** Runs this replica's member of the rebuild group of `building` (once its handover is known), and no other. */
  private async follow(building: Generation | undefined): Promise<void> {
    const wanted = building?.handover && !this.closing ? building.id : undefined;
    if (this.running && this.running.generation !== wanted) {
      const { group } = this.running;
      this.running = undefined;
      await group.stop();
    }
    if (wanted !== undefined && !this.running) {
      this.running = { generation: wanted, group: this.host.startGroup(rebuildGroup(wanted)) };
    }
  }

  private async deleteFinishedGroups(): Promise<void> {
    for (const finished of await this.generations.withGroupToDelete()) {
      try {
        await (await this.session.admin()).deleteGroup(this.groups.groupId(rebuildGroup(finished.id)));
        await this.generations.groupDeleted(finished.id);
      } catch (error) {
        // Most likely a replica has not left it yet: the next pass tries again.
        this.logger.debug(`rebuild group of generation ${finished.id} not deleted yet: ${(error as Error).message}`);
      }
    }
  }

  private failed(error: Error): void {
    this.failures += 1;
    // The first failure and then every 30th: an outage would otherwise log every second.
    if (this.failures === 1 || this.failures % 30 === 0) {
      this.logger.warn(`replay pass failed (${this.failures} in a row): ${error.message}`);
    }
  }
}
