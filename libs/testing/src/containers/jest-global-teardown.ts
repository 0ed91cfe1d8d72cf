/** Jest globalTeardown: stops the containers the global setup started in this process, if it started any. */
import { STACK_KEY } from './jest-global-setup';
import type { ContainerStack } from './start-containers';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>)[STACK_KEY] as ContainerStack | undefined;
  if (!stack) return;
  delete (globalThis as Record<string, unknown>)[STACK_KEY];
  await stack.stop();
}
