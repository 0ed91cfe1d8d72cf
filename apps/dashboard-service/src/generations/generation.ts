import type { EntityManager } from 'typeorm';

/**
 * A projection generation: the read model, its inbox and its users' versions in one PostgreSQL schema.
 * `live` serves the dashboard (exactly one is); `building` is being rebuilt from the log beside it (at most one);
 * `retired` was replaced by a newer one and `failed` was refused by the check at the switch (both schemas dropped).
 */
export type GenerationState = 'building' | 'live' | 'retired' | 'failed';

/** Per partition, its end (high watermark) read just after a rebuild's generation was created (see GenerationSwitch). */
export type Handover = Readonly<Record<string, string>>;

/** Why a rebuilt generation was not switched to. */
export interface RebuildFailure {
  readonly code: 'REBUILD_DIFFERS';
  readonly message: string;
  readonly difference: readonly StatsDifference[];
}

export interface StatsDifference {
  readonly field: string;
  readonly live: unknown;
  readonly rebuilt: unknown;
}

export interface Generation {
  readonly id: number;
  readonly schema: string;
  readonly state: GenerationState;
  readonly createdAt: string;
  readonly handover: Handover | null;
  readonly switchedAt: string | null;
  readonly finishedAt: string | null;
  /** Events applied to it, counted when it was switched to or refused. */
  readonly applied: number | null;
  readonly failure: RebuildFailure | null;
  /** Its rebuild's consumer group has been deleted (after the rebuild ended and every replica left it). */
  readonly groupDeleted: boolean;
}

export const GENERATION_COLUMNS = `id, schema_name, state, created_at, handover, switched_at, finished_at, applied, failure,
  rebuild_group_deleted`;

export interface GenerationRow {
  id: string;
  schema_name: string;
  state: GenerationState;
  created_at: Date;
  handover: Handover | null;
  switched_at: Date | null;
  finished_at: Date | null;
  applied: string | null;
  failure: RebuildFailure | null;
  rebuild_group_deleted: boolean;
}

export function toGeneration(row: GenerationRow): Generation {
  return {
    id: Number(row.id),
    schema: row.schema_name,
    state: row.state,
    createdAt: row.created_at.toISOString(),
    handover: row.handover,
    switchedAt: row.switched_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    applied: row.applied === null ? null : Number(row.applied),
    failure: row.failure,
    groupDeleted: row.rebuild_group_deleted,
  };
}

const SCHEMA = /^dashboard_g\d+$/;

/**
 * Points the transaction's unqualified table names at a generation's schema until the transaction ends (SET LOCAL),
 * so the handlers' and the stats' SQL is the same for every generation. The control table is always named with
 * its schema (public.dashboard_generations).
 */
export async function useSchema(manager: EntityManager, schema: string): Promise<void> {
  if (!SCHEMA.test(schema)) throw new Error(`Not a generation schema: ${schema}`);
  await manager.query(`SET LOCAL search_path TO ${schema}`);
}

/**
 * Locks the control table for the rest of the transaction. Every transaction that reads or writes a generation's
 * tables takes ROW SHARE first (they do not block each other); a switch takes EXCLUSIVE, which waits for all of
 * them to end and holds back new ones, so no transaction straddles a switch. Taken before the transaction's first
 * query: LOCK takes no snapshot, so a REPEATABLE READ reader's snapshot is taken after the lock is granted, and it
 * never sees a generation schema the switch has dropped.
 */
export async function lockGenerations(manager: EntityManager, mode: 'ROW SHARE' | 'EXCLUSIVE'): Promise<void> {
  await manager.query(`LOCK TABLE public.dashboard_generations IN ${mode} MODE`);
}
