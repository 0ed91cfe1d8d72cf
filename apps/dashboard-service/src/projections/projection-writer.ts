import type { EventEnvelope } from '@kafka-platform/kafka';
import { Inbox } from '@kafka-platform/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProjectionChanges } from './projection-changes';

/** Applies an event to the read model once: the writes and the inbox row commit in one transaction. */
@Injectable()
export class ProjectionWriter {
  constructor(
    private readonly inbox: Inbox,
    private readonly changes: ProjectionChanges,
  ) {}

  async apply(event: EventEnvelope, work: (manager: EntityManager) => Promise<void>): Promise<void> {
    const outcome = await this.inbox.handleOnce(event, work);
    // handleOnce resolves after COMMIT, so listeners never see a change that could still roll back.
    if (outcome === 'handled') this.changes.handled(event);
  }
}
