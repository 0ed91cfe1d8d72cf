export { databaseUrl, deleteSubject, stackEndpoints } from './endpoints';
export type { StackEndpoints } from './endpoints';
export { uniqueName, waitFor } from './wait-for';
export type { WaitOptions } from './wait-for';
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { deleteNamespaceTopics, serviceTestEnv, startIsolatedApp, testNamespace } from './isolated-app';
export type { IsolatedApp, ListeningApp } from './isolated-app';
