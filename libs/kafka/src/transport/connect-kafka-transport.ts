import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import { ConsumerHost } from '../nest/consumer-host';
import { EVENT_CONTRACT } from '../nest/tokens';
import type { EventContract } from '../contract/event-contract';
import { CorrelationInterceptor } from './correlation.interceptor';
import { EventFailureFilter } from './event-failure.filter';
import { KafkaEventTransport } from './kafka-event.transport';

/**
 * Connects the event transport to a hybrid app whose KafkaModule names a consumer group; undefined for a
 * producer-only service. Start it after `app.init()` (migrations first) with `app.startAllMicroservices()`.
 *
 * The failure filter and the correlation interceptor apply to every event handler; the app's HTTP-only globals
 * (body validation, the HTTP error filter) do not. Add more with `useGlobalPipes`, `useGlobalGuards`... on the
 * returned microservice, or per controller with `@UsePipes`, `@UseGuards`, `@UseInterceptors`, `@UseFilters`.
 */
export function connectKafkaTransport(
  app: INestApplication,
  configure: (microservice: INestMicroservice) => void = () => undefined,
): INestMicroservice | undefined {
  const host = app.get(ConsumerHost);
  if (!host.groupId) return undefined;
  const strategy = new KafkaEventTransport(host, app.get<EventContract>(EVENT_CONTRACT));
  // Deferred: Nest fixes a handler's filters and interceptors when it registers the handler, so the globals go in
  // first; the app's own init has run the lifecycle hooks already.
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    { strategy },
    { deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new EventFailureFilter());
  microservice.useGlobalInterceptors(new CorrelationInterceptor());
  configure(microservice);
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}
