import type { NewUserV1, NewUserV2, NewUserV3, UserDeletedV1 } from '@kafka-platform/events';
import { Ctx, Payload } from '@nestjs/microservices';
import { EventPattern } from './event-pattern.decorator';
import type { KafkaEventContext } from './kafka-event.context';

// Compile-time checks: the typecheck target compiles this file, so each @ts-expect-error must meet an error (on the
// decorator, where TypeScript reports a method it does not fit). If EventPattern stopped tying the handler's
// payload and context to the event's name and version, the directives would be unused and fail the build.
export class Handlers {
  @EventPattern('new_user')
  async latestByDefault(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'new_user'>) {
    return `${user.locale} ${user.personalData} ${context.getEnvelope().payload.locale}`;
  }

  @EventPattern('new_user', { version: 1 })
  async older(@Payload() user: NewUserV1, @Ctx() context: KafkaEventContext<'new_user', 1>) {
    return `${user.email} ${context.getOffset()}`;
  }

  @EventPattern('user_deleted')
  async payloadOnly(@Payload() deleted: UserDeletedV1) {
    return deleted.userId;
  }

  @EventPattern('new_user', { version: 1 })
  async anyPayload(@Payload() payload: unknown) {
    return payload;
  }

  // @ts-expect-error v1 has no locale: a v1 handler cannot take the v2 payload
  @EventPattern('new_user', { version: 1 })
  async wrongVersion(@Payload() user: NewUserV2) {
    return user.locale;
  }

  // @ts-expect-error another event's payload
  @EventPattern('user_deleted')
  async wrongEvent(@Payload() user: NewUserV2) {
    return user.email;
  }

  // @ts-expect-error a wrong field: NewUserV3 has no "mail"
  @EventPattern('new_user')
  async wrongField(@Payload() user: { userId: string; mail: string }) {
    return user.mail;
  }

  // @ts-expect-error another event's context
  @EventPattern('new_user')
  async wrongContext(@Payload() user: NewUserV3, @Ctx() context: KafkaEventContext<'user_deleted'>) {
    return `${user.userId} ${context.getEnvelope().payload.userId}`;
  }

  // @ts-expect-error a version the catalog does not have
  @EventPattern('user_deleted', { version: 3 })
  async unknownVersion(@Payload() deleted: UserDeletedV1) {
    return deleted.userId;
  }

  // @ts-expect-error an event the catalog does not have
  @EventPattern('order_shipped')
  async unknownEvent(@Payload() payload: unknown) {
    return payload;
  }
}

describe('EventPattern types', () => {
  it('compiles only handlers whose payload and context match the event and version (checked by the typecheck)', () => {
    expect(typeof Handlers).toBe('function');
  });
});
