export { databaseUrl, deleteSubject, stackEndpoints } from './endpoints';
export type { StackEndpoints } from './endpoints';
export { uniqueName, waitFor } from './wait-for';
export type { WaitOptions } from './wait-for';
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { deleteNamespaceTopics, serviceTestEnv, startIsolatedApp, testNamespace } from './isolated-app';
export type { IsolatedApp, ListeningApp } from './isolated-app';
// Test-stack selection and image pins (pure). The container starter is deliberately not exported: it loads
// testcontainers; the Jest global setup and tools/ci/with-containers.mjs import it by path.
export { ENDPOINT_VARS, needsDockerProbe, selectStack, stackLine } from './containers/select-stack';
export type { StackKind, StackSelection } from './containers/select-stack';
export { imagePinsFrom, readImagePins } from './containers/images';
export type { ImagePins } from './containers/images';
export { readTopic } from './topic-reader';
export type { TopicRecord } from './topic-reader';
