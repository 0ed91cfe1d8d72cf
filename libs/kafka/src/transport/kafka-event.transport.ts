import { Server } from '@nestjs/microservices';
import type { CustomTransportStrategy, MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { EventHandlerRegistration } from '../consumer/consumer-runtime';
import { delivery } from '../consumer/delivery-context';
import type { EventContract } from '../contract/event-contract';
import type { EventEnvelope } from '../envelope/event-envelope';
import type { ConsumerHost } from '../nest/consumer-host';
import { KafkaEventContext } from './kafka-event.context';

/**
 * Nest's custom transport for the platform's events: `@EventPattern` handlers of the app's controllers run in the
 * service's consumer group, through Nest's pipeline (pipes, guards, interceptors, exception filters). The consumer
 * runtime underneath keeps its guarantees: manual commits, per-partition retries through outages, the DLQ, a
 * supervised group, graceful shutdown. Start it with `app.connectMicroservice({ strategy })` and
 * `app.startAllMicroservices()`; connectKafkaTransport() does both the platform's way.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  constructor(
    private readonly host: ConsumerHost,
    private readonly contract: EventContract,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.host.start(this.registrations());
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.host.stop();
  }

  /** The consumer's state is watched through ConsumerHost (status, health), not through transport events. */
  on(): never {
    throw new Error('KafkaEventTransport emits no events: read ConsumerHost.status or the health endpoints');
  }

  unwrap<T>(): T {
    return this.host as T;
  }

  private registrations(): EventHandlerRegistration[] {
    return [...this.getHandlers()].map(([type, handler]) => {
      if (!handler.isEventHandler) {
        throw new Error(`@MessagePattern('${type}') cannot be served: Kafka events get no reply, use @EventPattern`);
      }
      return { type, version: this.versionOf(type, handler), handle: (event) => this.dispatch(handler, event) };
    });
  }

  /** Handlers of one event share its decoding, so they must read the same version. */
  private versionOf(type: string, head: MessageHandler): number {
    const versions = new Set<number>();
    for (let handler: MessageHandler | undefined = head; handler; handler = handler.next as MessageHandler) {
      versions.add((handler.extras?.['version'] as number | undefined) ?? this.contract.latestVersion(type));
    }
    if (versions.size > 1) {
      throw new Error(`The @EventPattern('${type}') handlers read different versions (${[...versions].join(', ')})`);
    }
    return [...versions][0] as number;
  }

  private async dispatch(handler: MessageHandler, event: EventEnvelope): Promise<void> {
    const record = delivery.current();
    if (!record) throw new Error('An event was dispatched outside a delivery');
    // The runtime has resolved the payload into the version the handlers read, which their context is typed by.
    const context = new KafkaEventContext([event, record] as ConstructorParameters<typeof KafkaEventContext>[0]);
    const result: unknown = await handler(event.payload, context);
    // Interceptors and filters answer with an Observable; its error is the handler's failure.
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }
}
