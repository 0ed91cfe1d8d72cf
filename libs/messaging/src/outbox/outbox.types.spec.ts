import type { NewUserV3 } from '@kafka-platform/events';
import type { EventEnvelope } from '@kafka-platform/kafka';
import type { EntityManager } from 'typeorm';
import type { Outbox } from './outbox';

// Compile-time checks: the typecheck target compiles this file, so each @ts-expect-error must meet an error. If
// Outbox.add stopped tying the payload to the event's name, the directives would be unused and fail the build.
// The function is never called: nothing here touches a database.
export async function outboxAddIsTypedFromTheCatalog(outbox: Outbox, manager: EntityManager): Promise<void> {
  const user = { userId: 'u-1', email: '', name: '', locale: 'en', personalData: 'sealed' };
  const envelope: EventEnvelope<NewUserV3> = await outbox.add(manager, 'new_user', user);
  await outbox.add(manager, 'user_deleted', { userId: 'u-1' });

  // @ts-expect-error an event the catalog does not know
  await outbox.add(manager, 'user_renamed', { userId: 'u-1' });
  // @ts-expect-error new_user's latest version (v3) has sealed personal data
  await outbox.add(manager, 'new_user', { userId: 'u-1', email: '', name: '', locale: 'en' });
  // @ts-expect-error a field no version of new_user has
  await outbox.add(manager, 'new_user', { ...user, nickname: 'ada' });
  // @ts-expect-error a field of the wrong type
  await outbox.add(manager, 'user_updated', { userId: 'u-1', email: '', name: 42, locale: 'en', personalData: null });
  // @ts-expect-error another event's payload (new_user's fields on user_deleted, which carries only the id)
  await outbox.add(manager, 'user_deleted', { userId: 'u-1', email: 'ada@example.com' });
  void envelope;
}

describe('Outbox.add types', () => {
  it('compiles only payloads that match the event name (checked by the typecheck, see above)', () => {
    expect(typeof outboxAddIsTypedFromTheCatalog).toBe('function');
  });
});
