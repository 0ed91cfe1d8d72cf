import { AsyncLocalStorage } from 'node:async_hooks';

/** What ties log lines and new events to the request or event being handled. */
export interface CorrelationScope {
  readonly correlationId: string;
  /** The event being handled, when the work was caused by one: new events name it as their cause. */
  readonly causedBy?: { readonly id: string; readonly correlationId: string; readonly traceparent: string };
  readonly traceparent?: string;
}

// One store for HTTP requests and Kafka handlers alike, so the logger and the outbox need not know which
// of the two started the work.
const storage = new AsyncLocalStorage<CorrelationScope>();

export const correlation = {
  run<T>(scope: CorrelationScope, work: () => T): T {
    return storage.run(scope, work);
  },
  current(): CorrelationScope | undefined {
    return storage.getStore();
  },
};
