import { AsyncLocalStorage } from 'node:async_hooks';

/** The record a handler is working on, and the consumer group that reads it. */
export interface Delivery {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

const storage = new AsyncLocalStorage<Delivery>();

/**
 * Tells code called by a handler which group and record it serves: a service may run several consumer groups
 * over the same handlers (ConsumerHost.startGroup), e.g. its live group and a rebuild from the beginning.
 */
export const delivery = {
  run<T>(scope: Delivery, work: () => T): T {
    return storage.run(scope, work);
  },
  current(): Delivery | undefined {
    return storage.getStore();
  },
};
