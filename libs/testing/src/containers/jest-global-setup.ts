/**
 * Jest globalSetup (wired in jest.preset.cjs when TEST_STACK is set): picks the test stack and, on the
 * containers path, starts the containers for this Jest process and puts their addresses into process.env,
 * which the test workers inherit (they start after this). Prints one line saying which path ran.
 * Runs only when TEST_STACK is set, so loading testcontainers here costs normal runs nothing.
 */
import { resolveStack, stackLine } from './select-stack';
import { startContainers } from './start-containers';
import type { ContainerStack } from './start-containers';

/** Shared with the teardown: Jest runs both in the same parent process and global. */
export const STACK_KEY = '__kafkaPlatformTestStack';

export default async function globalSetup(): Promise<void> {
  const selection = await resolveStack(process.env);
  if (selection.kind !== 'containers') {
    console.log(stackLine(selection));
    return;
  }
  const stack: ContainerStack = await startContainers();
  Object.assign(process.env, stack.env);
  (globalThis as Record<string, unknown>)[STACK_KEY] = stack;
  console.log(stackLine(selection, `${stack.summary} (${selection.reason})`));
}
