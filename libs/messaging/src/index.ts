export { AggregateVersions } from './aggregate-versions/aggregate-versions';
export type { KeyVerdict, RecordOptions } from './aggregate-versions/aggregate-versions';
export { BatchTransaction } from './inbox/batch-transaction';
export { Inbox } from './inbox/inbox';
export type { InboxOutcome } from './inbox/inbox';
export { MessagingModule } from './messaging.module';
export type { MessagingModuleOptions } from './messaging.module';
export {
  CreateAggregateVersions1764200000000,
  CreateInbox1763900000001,
  CreateOutbox1763900000000,
  OUTBOX_MIGRATIONS,
  OutboxParking1764100000000,
} from './migrations/messaging.migrations';
export { Outbox } from './outbox/outbox';
export { OutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelayOptions } from './outbox/outbox-relay';
export { PgListener } from './postgres/pg-listener';
export type { PgListenerOptions } from './postgres/pg-listener';
export { discardParked, listOutbox, retryParked } from './outbox/outbox-tool';
export type { OutboxEntry, OutboxListFilter } from './outbox/outbox-tool';
