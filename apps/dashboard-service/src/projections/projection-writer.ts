import { delivery } from '@kafka-platform/kafka';
import type { EventEnvelope } from '@kafka-platform/kafka';
import { AggregateVersions, BatchTransaction, Inbox } from '@kafka-platform/messaging';
import type { KeyVerdict, RecordOptions } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { lockGenerations, useSchema } from '../generations/generation';
import type { Generation } from '../generations/generation';
import { Generations } from '../generations/generations';
import { generationRebuiltBy } from '../replay/rebuild-group';
import { handoverKey } from '../replay/rebuild-progress';
import { announce, handledEvent } from './projection-changes';

export type ProjectionWork = (manager: EntityManager, key: KeyVerdict) => Promise<void>;
export type MergedWork = (manager: EntityManager) => Promise<void>;

/**
 * Applies an event to the read model once per generation: in one transaction, for each generation it goes to, the
 * inbox row, the user's version (newest event, tombstone) and the handler's writes, with the search_path on that
 * generation's schema. The handler decides what to write from the verdict, so an event applied twice or out of
 * order is harmless. An event applied to the live generation is announced to every replica (delivered at COMMIT).
 *
 * Which generations (see GenerationSwitch for why this puts every event into a rebuilt generation exactly once):
 * - the live group (`dashboard-service`) writes to the live generation and to the one being built, if any;
 * - a rebuild group writes only to its own generation, and only the records below the generation's handover
 *   offsets: everything from there on reaches it through the live group.
 */
@Injectable()
export class ProjectionWriter {
  // Per transaction: a run of records under one BatchTransaction reads them once (the lock holds them still).
  private readonly current = new WeakMap<EntityManager, Promise<Generation[]>>();

  constructor(
    private readonly inbox: Inbox,
    private readonly versions: AggregateVersions,
    private readonly generations: Generations,
    private readonly batch: BatchTransaction,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** In the batch's transaction when the record is handled under one, else in a transaction of its own. */
  async apply(event: EventEnvelope, work: ProjectionWork, options: RecordOptions = {}): Promise<void> {
    await this.applyEverywhere(event, async (manager) =>
      work(manager, await this.versions.record(manager, event, options)),
    );
  }

  /**
   * For a projection whose writes merge whatever the order (a window's count only grows): no per-key versions, so
   * the keys of derived records never mix with the users' in aggregate_versions. The inbox still drops a repeat.
   */
  async applyMerged(event: EventEnvelope, work: MergedWork): Promise<void> {
    await this.applyEverywhere(event, work);
  }

  private async applyEverywhere(event: EventEnvelope, work: MergedWork): Promise<void> {
    const applyIn = async (manager: EntityManager) => {
      for (const target of await this.targets(manager)) await this.applyTo(manager, target, event, work);
    };
    const batch = this.batch.current();
    await (batch ? applyIn(batch) : this.dataSource.transaction(applyIn));
  }

  /** The generations, locked against a switch for the rest of the transaction: read once per transaction. */
  private currentGenerations(manager: EntityManager): Promise<Generation[]> {
    let current = this.current.get(manager);
    if (!current) {
      // The lock keeps a switch from happening while this transaction writes (see lockGenerations).
      current = lockGenerations(manager, 'ROW SHARE').then(() => this.generations.current(manager));
      this.current.set(manager, current);
    }
    return current;
  }

  private async targets(manager: EntityManager): Promise<Generation[]> {
    const current = await this.currentGenerations(manager);
    const record = delivery.current();
    const rebuilding = generationRebuiltBy(record?.groupId);
    if (rebuilding === undefined) return current;
    const target = current.find((generation) => generation.id === rebuilding && generation.state === 'building');
    const handover = BigInt(target?.handover?.[handoverKey(record?.topic ?? '', record?.partition ?? 0)] ?? '0');
    return target && BigInt(record?.offset ?? '0') < handover ? [target] : [];
  }

  private async applyTo(
    manager: EntityManager,
    target: Generation,
    event: EventEnvelope,
    work: MergedWork,
  ): Promise<void> {
    await useSchema(manager, target.schema);
    const outcome = await this.inbox.handleOnceIn(manager, event, () => work(manager));
    if (outcome === 'handled' && target.state === 'live') {
      await announce(manager, { kind: 'handled', event: handledEvent(event) });
    }
  }
}
