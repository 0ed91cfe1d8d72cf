import { Module } from '@nestjs/common';
import type { DynamicModule, Provider } from '@nestjs/common';
import { Inbox } from './inbox/inbox';
import { Outbox } from './outbox/outbox';
import { OutboxMetrics } from './outbox/outbox-metrics';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay } from './outbox/outbox-relay';
import type { OutboxRelayOptions } from './outbox/outbox-relay';

export interface MessagingModuleOptions {
  /** A service that publishes: the Outbox and, unless `relay: false`, the relay that drains it. */
  readonly outbox?: { readonly relay?: boolean } & Partial<OutboxRelayOptions>;
  /** A service that consumes: the Inbox. */
  readonly inbox?: boolean;
}

const RELAY_DEFAULTS: OutboxRelayOptions = {
  batchSize: 100,
  pollIntervalMs: 1000,
  maxBackoffMs: 10_000,
  keepSentForMs: 7 * 24 * 3600 * 1000,
};

/** Transactional messaging on the service's PostgreSQL database (PlatformModule's TypeORM connection). */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const providers: Provider[] = [];
    if (options.outbox) {
      const { relay = true, ...relayOptions } = options.outbox;
      providers.push(Outbox, OutboxMetrics, {
        provide: OUTBOX_RELAY_OPTIONS,
        useValue: { ...RELAY_DEFAULTS, ...relayOptions },
      });
      if (relay) providers.push(OutboxRelay);
    }
    if (options.inbox) providers.push(Inbox);
    return { module: MessagingModule, global: true, providers, exports: providers };
  }
}
