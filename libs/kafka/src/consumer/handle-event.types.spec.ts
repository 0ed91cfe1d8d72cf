import type { NewUserV1, NewUserV2, UserDeletedV1 } from '@kafka-platform/events';
import type { EventEnvelope } from '../envelope/event-envelope';
import { HandleEvent } from './handle-event.decorator';

// Compile-time checks: the typecheck target compiles this file, so each @ts-expect-error must meet an error (on the
// decorator, where TypeScript reports a method it does not fit). If HandleEvent stopped tying the handler's payload
// to the event's name and version, the directives would be unused and fail the build.
export class Handlers {
  @HandleEvent('new_user', { version: 2 })
  async latest(event: EventEnvelope<NewUserV2>) {
    return event.payload.locale;
  }

  @HandleEvent('new_user', { version: 1 })
  async older(event: EventEnvelope<NewUserV1>) {
    return event.payload.email;
  }

  @HandleEvent('user_deleted')
  async latestByDefault(event: EventEnvelope<UserDeletedV1>) {
    return event.payload.userId;
  }

  @HandleEvent('new_user', { version: 1 })
  async anyPayload(event: EventEnvelope) {
    return event.id;
  }

  // @ts-expect-error v1 has no locale: a v1 handler cannot take the v2 payload
  @HandleEvent('new_user', { version: 1 })
  async wrongVersion(event: EventEnvelope<NewUserV2>) {
    return event.payload.locale;
  }

  // @ts-expect-error another event's payload
  @HandleEvent('user_deleted', { version: 1 })
  async wrongEvent(event: EventEnvelope<NewUserV2>) {
    return event.payload.email;
  }

  // @ts-expect-error a version the catalog does not have
  @HandleEvent('user_deleted', { version: 3 })
  async unknownVersion(event: EventEnvelope<UserDeletedV1>) {
    return event.payload.userId;
  }
}

describe('HandleEvent types', () => {
  it('compiles only handlers whose payload matches the event and version (checked by the typecheck, see above)', () => {
    expect(typeof Handlers).toBe('function');
  });
});
