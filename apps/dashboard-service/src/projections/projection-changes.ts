import type { EventEnvelope } from '@kafka-platform/kafka';
import { PgListener } from '@kafka-platform/messaging';
import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { DataSource } from 'typeorm';
import type { EntityManager } from 'typeorm';

/** What the live page shows of a handled event: its envelope, never its payload (personal data). */
export interface HandledEvent {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly key: string;
  readonly correlationId: string;
}

/**
 * A change made by any replica: an event applied to the live generation, or a change of the generations (a rebuild
 * created, its handover known, switched to or refused); `resync` (local) when changes may have been missed.
 */
export type ProjectionChange =
  | { readonly kind: 'handled'; readonly event: HandledEvent }
  | { readonly kind: 'generations' }
  | { readonly kind: 'resync' };

const CHANNEL = 'dashboard_changes';

/**
 * Announces a change in the caller's transaction: PostgreSQL delivers the NOTIFY at COMMIT, to every replica
 * listening, and never for a rollback, so no replica hears of a change it cannot read yet.
 */
export async function announce(manager: EntityManager, change: Exclude<ProjectionChange, { kind: 'resync' }>) {
  await manager.query(`SELECT pg_notify($1, $2)`, [CHANNEL, JSON.stringify(change)]);
}

export function handledEvent({ id, type, version, occurredAt, key, correlationId }: EventEnvelope): HandledEvent {
  return { id, type, version, occurredAt, key, correlationId };
}

/**
 * The changes of the read model made by every replica of the dashboard, heard over PostgreSQL LISTEN on its own
 * connection (PgListener: it survives database restarts). After each (re)connection it emits `resync`: whatever
 * was announced while the connection was down is lost, so listeners read afresh.
 */
@Injectable()
export class ProjectionChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionChanges.name);
  private readonly subject = new Subject<ProjectionChange>();
  readonly changes$ = this.subject.asObservable();
  private readonly listener: PgListener;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.listener = new PgListener(PgListener.configOf(dataSource), CHANNEL, {
      onNotify: (payload) => this.received(payload),
      onConnect: () => this.subject.next({ kind: 'resync' }),
      logger: this.logger,
    });
  }

  /** Whether changes are heard right now; while not, readers go to the database instead of a snapshot. */
  get listening(): boolean {
    return this.listener.listening;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
    this.subject.complete();
  }

  private received(payload: string): void {
    try {
      this.subject.next(JSON.parse(payload) as ProjectionChange);
    } catch {
      this.logger.warn(`ignored a notification on ${CHANNEL} that is not JSON: ${payload.slice(0, 100)}`);
    }
  }
}
