import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import type { EntityManager } from 'typeorm';
import { announce } from '../projections/projection-changes';
import { GENERATION_COLUMNS, lockGenerations, toGeneration, useSchema } from './generation';
import type { Generation, GenerationRow, Handover } from './generation';
import { createGenerationTables } from './generation-layout';

const UNIQUE_VIOLATION = '23505';

/** The control table of the projection generations (public.dashboard_generations): what each replica reads. */
@Injectable()
export class Generations {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` on the live generation (search_path set to its schema) in one REPEATABLE READ transaction: every
   * read sees one snapshot, taken after the control table's lock (see lockGenerations), so never half a switch.
   */
  readLive<T>(work: (manager: EntityManager, live: Generation) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await lockGenerations(manager, 'ROW SHARE');
      const [live] = await this.current(manager);
      await useSchema(manager, required(live).schema);
      return work(manager, required(live));
    });
  }

  /** The live generation first, then the one being built, if any; under the caller's lock on the control table. */
  current(manager: EntityManager): Promise<Generation[]> {
    return this.select(`WHERE state IN ('live', 'building') ORDER BY state = 'building', id`, manager);
  }

  /** The newest generation: the latest replay's, or the first one before any replay. */
  async latest(): Promise<Generation> {
    return required(await this.find(`ORDER BY id DESC LIMIT 1`));
  }

  async live(): Promise<Generation> {
    return required(await this.find(`WHERE state = 'live'`));
  }

  building(): Promise<Generation | undefined> {
    return this.find(`WHERE state = 'building'`);
  }

  /**
   * A new generation to build: its row and its empty tables in one transaction, announced to every replica at
   * commit. 409 REPLAY_IN_PROGRESS while another is being built (the unique index says so, whichever replica).
   */
  create(): Promise<Generation> {
    return this.dataSource
      .transaction(async (manager) => {
        const [row]: GenerationRow[] = await manager.query(
          `INSERT INTO public.dashboard_generations (state) VALUES ('building') RETURNING ${GENERATION_COLUMNS}`,
        );
        const generation = toGeneration(row as GenerationRow);
        await manager.query(`CREATE SCHEMA ${generation.schema}`);
        await useSchema(manager, generation.schema);
        await createGenerationTables(manager.queryRunner as NonNullable<EntityManager['queryRunner']>);
        await announce(manager, { kind: 'generations' });
        return generation;
      })
      .catch((error: unknown) => {
        if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
          throw replayInProgress();
        }
        throw error;
      });
  }

  /** Records the handover offsets unless a replica did first (any value read after the creation is right). */
  async setHandover(id: number, handover: Handover): Promise<Generation | undefined> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE public.dashboard_generations SET handover = $2 WHERE id = $1 AND handover IS NULL`, [
        id,
        JSON.stringify(handover),
      ]);
      await announce(manager, { kind: 'generations' });
    });
    return this.building();
  }

  /** Finished rebuilds whose consumer group may still need deleting. */
  withGroupToDelete(): Promise<Generation[]> {
    return this.select(`WHERE NOT rebuild_group_deleted AND state <> 'building' ORDER BY id`);
  }

  async groupDeleted(id: number): Promise<void> {
    await this.dataSource.query(`UPDATE public.dashboard_generations SET rebuild_group_deleted = true WHERE id = $1`, [
      id,
    ]);
  }

  /** How many events a generation has applied (its inbox), read under the lock so the schema cannot vanish meanwhile. */
  applied(generation: Generation): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      await lockGenerations(manager, 'ROW SHARE');
      const [row]: { state: string }[] = await manager.query(
        `SELECT state FROM public.dashboard_generations WHERE id = $1`,
        [generation.id],
      );
      if (row?.state !== 'building' && row?.state !== 'live') return generation.applied ?? 0;
      return countApplied(manager, generation.schema);
    });
  }

  private async find(clause: string): Promise<Generation | undefined> {
    const [found] = await this.select(clause);
    return found;
  }

  private async select(clause: string, manager: EntityManager = this.dataSource.manager): Promise<Generation[]> {
    const rows: GenerationRow[] = await manager.query(
      `SELECT ${GENERATION_COLUMNS} FROM public.dashboard_generations ${clause}`,
    );
    return rows.map(toGeneration);
  }
}

/** Events applied to the generation whose schema is given, in the caller's transaction. */
export async function countApplied(manager: EntityManager, schema: string): Promise<number> {
  await useSchema(manager, schema);
  const [{ count }]: { count: string }[] = await manager.query(`SELECT count(*) AS count FROM inbox`);
  return Number(count);
}

function required(generation: Generation | undefined): Generation {
  if (!generation) throw new Error('No projection generation found: have the dashboard migrations run?');
  return generation;
}

function replayInProgress(): ConflictException {
  return new ConflictException({
    statusCode: 409,
    error: 'Conflict',
    message: 'A replay is already rebuilding the projections; see GET /api/replay/status',
    code: 'REPLAY_IN_PROGRESS',
    retryable: true,
  });
}
