// Nest's pipeline on events, on the real stack: pipes, guards, interceptors and exception filters apply to
// @EventPattern handlers, and a failure reaches the consumer runtime as thrown, so retry and DLQ decisions still
// read its `retryable` flag.
import { randomUUID } from 'node:crypto';
import type { NewUserV2, UserDeletedV1 } from '@kafka-platform/events';
import { uniqueName, waitFor } from '@kafka-platform/testing';
import { Catch, Controller, Injectable, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type {
  CallHandler,
  CanActivate,
  ExceptionFilter,
  ExecutionContext,
  INestApplication,
  NestInterceptor,
  PipeTransform,
} from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { EMPTY } from 'rxjs';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs/operators';
import { DLQ_HEADER } from '../dlq/dead-letter';
import { correlation } from '@kafka-platform/core';
import { PlatformError } from '@kafka-platform/core';
import { EventPublisher } from '../producer/event-publisher';
import { startEventApp } from '../../test/test-support/event-app';
import { KafkaHarness } from '../../test/test-support/kafka-harness';
import { EventPattern } from './event-pattern.decorator';
import type { KafkaEventContext } from './kafka-event.context';

interface Seen {
  readonly eventId: string;
  readonly name: string;
  readonly correlationId?: string;
  readonly where: string;
}
const seen: Seen[] = [];
const intercepted: string[] = [];
const swallowed: string[] = [];

class IgnorableError extends Error {}

/** A pipe on the payload: the handler gets what it returns. */
class TrimName implements PipeTransform<NewUserV2, NewUserV2> {
  transform(user: NewUserV2): NewUserV2 {
    return { ...user, name: user.name.trim() };
  }
}

/** A guard reading the event: signups from a blocked domain are refused. */
@Injectable()
class NoBlockedDomain implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToRpc().getData<NewUserV2>();
    return !user.email.endsWith('@blocked.example');
  }
}

/** An interceptor seeing each event before and after its handler. */
@Injectable()
class RecordHandled implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const event = context.switchToRpc().getContext<KafkaEventContext<'new_user'>>().getEnvelope();
    return next.handle().pipe(tap(() => intercepted.push(event.id)));
  }
}

/** An exception filter of the handler's own: an IgnorableError acknowledges the record. */
@Catch(IgnorableError)
class IgnoreFilter implements ExceptionFilter {
  catch(error: IgnorableError): Observable<never> {
    swallowed.push(error.message);
    return EMPTY;
  }
}

@Controller()
class PipelineHandlers {
  @EventPattern('new_user')
  @UseGuards(NoBlockedDomain)
  @UseInterceptors(RecordHandled)
  async onNewUser(@Payload(TrimName) user: NewUserV2, @Ctx() context: KafkaEventContext<'new_user'>): Promise<void> {
    if (user.name === 'Refuse') throw new PlatformError('NOT_WANTED', 'this signup is refused', false);
    seen.push({
      eventId: context.getEnvelope().id,
      name: user.name,
      correlationId: correlation.current()?.correlationId,
      where: `${context.getTopic()}/${context.getPartition()}@${context.getOffset()}`,
    });
  }

  @EventPattern('user_deleted')
  @UseFilters(IgnoreFilter)
  async onUserDeleted(@Payload() deleted: UserDeletedV1): Promise<void> {
    throw new IgnorableError(deleted.userId);
  }
}

describe('KafkaEventTransport: Nest pipeline on events (real stack)', () => {
  let kafka: KafkaHarness;
  let app: INestApplication;
  let publisher: EventPublisher;
  const group = uniqueName('pipeline-group');

  beforeAll(async () => {
    kafka = await KafkaHarness.create();
    await kafka.createTopics([group]);
    app = await startEventApp(kafka, {
      service: 'pipeline-test',
      group,
      controllers: [PipelineHandlers],
      providers: [NoBlockedDomain, RecordHandled],
      env: { KAFKA_HANDLER_MAX_ATTEMPTS: '3', KAFKA_RETRY_INITIAL_MS: '50', KAFKA_RETRY_MAX_MS: '200' },
    });
    publisher = app.get(EventPublisher);
  });
  afterAll(async () => {
    await app.close();
    await kafka.cleanup();
  });

  const signUp = (name: string, email = `${uniqueName('u')}@example.com`, correlationId?: string) =>
    publisher.publish('new_user', { userId: randomUUID(), email, name, locale: 'en' }, { correlationId });

  it('runs the pipe, guard and interceptor, in the event correlation scope, with the record in the context', async () => {
    const correlationId = uniqueName('corr');
    const published = await signUp('  Padded  ', undefined, correlationId);

    const handled = await waitFor('the handler', () => seen.find((s) => s.eventId === published.eventId));
    expect(handled).toMatchObject({ name: 'Padded', correlationId });
    expect(handled.where).toMatch(new RegExp(`^${kafka.topic}/\\d+@\\d+$`));
    await waitFor('the interceptor after the handler', () => intercepted.includes(published.eventId));
  });

  it('dead-letters a record the guard refuses, and one whose handler throws a non-retryable error, at once', async () => {
    const refusedByGuard = await signUp('Guarded', 'someone@blocked.example');
    const refusedByHandler = await signUp('Refuse');
    const accepted = await signUp('Accepted');

    const letters = await kafka.readAll(kafka.dlqTopic(group), 2);
    const byEvent = new Map(letters.map((letter) => [letter.headers['event-id'], letter.headers]));
    // A guard's "no" cannot pass on a retry: poison, tried once.
    expect(byEvent.get(refusedByGuard.eventId)).toMatchObject({
      [DLQ_HEADER.reason]: 'poison',
      [DLQ_HEADER.errorCode]: 'HANDLER_REJECTED',
      [DLQ_HEADER.attempts]: '1',
    });
    // The handler's own PlatformError reaches the runtime as thrown: its code and retryable=false decide.
    expect(byEvent.get(refusedByHandler.eventId)).toMatchObject({
      [DLQ_HEADER.reason]: 'poison',
      [DLQ_HEADER.errorCode]: 'NOT_WANTED',
      [DLQ_HEADER.attempts]: '1',
    });
    // The partition moved on past both.
    await waitFor('the accepted signup', () => seen.some((s) => s.eventId === accepted.eventId));
    expect(seen.map((s) => s.eventId)).not.toContain(refusedByGuard.eventId);
  });

  it("lets the handler's own exception filter acknowledge a record", async () => {
    const userId = randomUUID();
    const { partition, offset } = await publisher.publish('user_deleted', { userId });
    await waitFor('the filter to swallow the error', () => swallowed.includes(userId));
    await waitFor('the offset committed past it', async () => {
      const committed = (await kafka.committed(group)).get(partition) ?? -1n;
      return committed > BigInt(offset);
    });
    const letters = await kafka.readAll(kafka.dlqTopic(group), 2);
    expect(letters.map((letter) => letter.headers['event-id'])).toHaveLength(2);
  });
});
