import type { EventEnvelope } from '@kafka-platform/kafka';
import { Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Subject } from 'rxjs';

/** What the live page shows of a handled event: its envelope, never its payload (personal data). */
export interface HandledEvent {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly key: string;
  readonly correlationId: string;
}

export type ProjectionChange =
  { readonly kind: 'handled'; readonly event: HandledEvent } | { readonly kind: 'rebuilt' };

/** In-process signal that the read model changed; only ever fed after the change has committed. */
@Injectable()
export class ProjectionChanges implements OnApplicationShutdown {
  private readonly subject = new Subject<ProjectionChange>();
  readonly changes$ = this.subject.asObservable();

  handled({ id, type, version, occurredAt, key, correlationId }: EventEnvelope): void {
    this.subject.next({ kind: 'handled', event: { id, type, version, occurredAt, key, correlationId } });
  }

  rebuilt(): void {
    this.subject.next({ kind: 'rebuilt' });
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
