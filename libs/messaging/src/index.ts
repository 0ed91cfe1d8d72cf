export { Inbox } from './inbox/inbox';
export type { InboxOutcome } from './inbox/inbox';
export { MessagingModule } from './messaging.module';
export type { MessagingModuleOptions } from './messaging.module';
export { CreateInbox1763900000001, CreateOutbox1763900000000 } from './migrations/messaging.migrations';
export { Outbox } from './outbox/outbox';
export { OutboxRelay } from './outbox/outbox-relay';
export type { OutboxRelayOptions } from './outbox/outbox-relay';
