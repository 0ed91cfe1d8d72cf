import type { EventPayload, EventType, EventVersion, LatestVersion } from '@kafka-platform/events';
import { BaseRpcContext } from '@nestjs/microservices';
import type { Delivery } from '../consumer/delivery-context';
import { toHeaders } from '../envelope/event-envelope';
import type { EventEnvelope } from '../envelope/event-envelope';

/**
 * What `@Ctx()` gives an event handler: the whole envelope (ids, correlation, trace context, sequence) and where the
 * record was read (group, topic, partition, offset). Typed by the event and version the handler reads.
 */
export class KafkaEventContext<
  T extends EventType = EventType,
  V extends EventVersion<T> = LatestVersion<T> & EventVersion<T>,
> extends BaseRpcContext<[EventEnvelope<EventPayload<T, V>>, Delivery]> {
  getEnvelope(): EventEnvelope<EventPayload<T, V>> {
    return this.args[0];
  }

  /** The consumer group reading the record: the service's own, or another it runs (ConsumerHost.startGroup). */
  getGroupId(): string {
    return this.args[1].groupId;
  }

  getTopic(): string {
    return this.args[1].topic;
  }

  getPartition(): number {
    return this.args[1].partition;
  }

  getOffset(): string {
    return this.args[1].offset;
  }

  /** The platform's headers of the record (event id, type, version, correlation, causation, traceparent...). */
  getHeaders(): ReturnType<typeof toHeaders> {
    return toHeaders(this.args[0]);
  }
}
