import { CONSUMER_BATCH_SCOPE } from '@kafka-platform/kafka';
import { Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { AggregateVersions } from './aggregate-versions/aggregate-versions';
import { BatchTransaction } from './inbox/batch-transaction';
import { Inbox } from './inbox/inbox';
import { OUTBOX_RELAY_MODE, loadOutboxRelayMode } from './outbox/cdc/outbox-relay-mode';
import { Outbox } from './outbox/outbox';
import { OutboxMetrics } from './outbox/outbox-metrics';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay } from './outbox/outbox-relay';
import type { OutboxRelayOptions } from './outbox/outbox-relay';

export interface MessagingModuleOptions {
  /** A service that publishes: the Outbox and, unless `relay: false`, the relay that drains it. */
  readonly outbox?: { readonly relay?: boolean } & Partial<OutboxRelayOptions>;
  /**
   * A service that consumes: the Inbox, and AggregateVersions for handlers that must not depend on arrival order.
   * `batchTransactions`: the service's consumer groups handle runs of records in one transaction each
   * (BatchTransaction), for handlers whose every effect is in the database; not for one that also acts outside it
   * (a mail sent for the first records of a run that then fails would be sent again).
   */
  readonly inbox?: boolean | { readonly batchTransactions?: boolean };
}

const RELAY_DEFAULTS: OutboxRelayOptions = {
  batchSize: 100,
  // 1,000 rows of about 450 bytes stay under Kafka's 1 MB record batch (message.max.bytes) even on one partition.
  maxBatchSize: 1000,
  pollIntervalMs: 1000,
  maxBackoffMs: 10_000,
  keepSentForMs: 7 * 24 * 3600 * 1000,
  // Three times the publish timeout: a relay that is merely slow settles well before another may take over.
  claimMs: 30_000,
  publishTimeoutMs: 10_000,
  // A few rounds, so a blip (a registry answering 404 during a deploy) does not park, yet a real fault parks
  // within seconds and stops costing a Kafka request per round.
  parkAfterFailures: 5,
};

/** Transactional messaging on the service's PostgreSQL database (PlatformModule's TypeORM connection). */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const providers: Provider[] = [];
    if (options.outbox) {
      const { relay = true, ...relayOptions } = options.outbox;
      providers.push(
        Outbox,
        OutboxMetrics,
        { provide: OUTBOX_RELAY_OPTIONS, useValue: { ...RELAY_DEFAULTS, ...relayOptions } },
        // Read when the app is created (as the platform's config is), so a bad OUTBOX_RELAY stops the start.
        { provide: OUTBOX_RELAY_MODE, useFactory: () => loadOutboxRelayMode(process.env) },
      );
      if (relay) providers.push(OutboxRelay);
    }
    if (options.inbox) providers.push(Inbox, AggregateVersions, BatchTransaction);
    if (typeof options.inbox === 'object' && options.inbox.batchTransactions) {
      providers.push({
        provide: CONSUMER_BATCH_SCOPE,
        useFactory: (batch: BatchTransaction) => batch.scope,
        inject: [BatchTransaction],
      });
    }
    return { module: MessagingModule, global: true, providers, exports: providers };
  }
}
