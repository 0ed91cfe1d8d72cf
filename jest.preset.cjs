// Shared Jest settings for every project (see the `test` targets in project.json).
const { join } = require('node:path');

// Opt-in test-stack selection (libs/testing/src/containers): with TEST_STACK set (containers, auto or local),
// each Jest process prints which path it runs on, and on the containers path starts and stops its own
// containers. Unset (`npm test`, CI), nothing changes. `npm run test:containers` starts one set for all projects.
const testStackHooks = process.env.TEST_STACK
  ? {
      globalSetup: join(__dirname, 'libs/testing/src/containers/jest-global-setup.ts'),
      globalTeardown: join(__dirname, 'libs/testing/src/containers/jest-global-teardown.ts'),
    }
  : {};

/** @param {string} rootDir @param {string} displayName @returns {import('jest').Config} */
module.exports = (rootDir, displayName) => ({
  displayName,
  rootDir,
  ...testStackHooks,
  testEnvironment: 'node',
  // Resolve our own packages to their TypeScript sources, as tsconfig's customConditions does.
  testEnvironmentOptions: { customExportConditions: ['@kafka-platform/source', 'node', 'require', 'default'] },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        // isolatedModules makes ts-jest transpile file by file: fast, with the decorator metadata NestJS needs.
        // Types are checked by the `typecheck` targets (tsc -b), not by the test run.
        tsconfig: {
          target: 'es2023',
          module: 'commonjs',
          moduleResolution: 'node10',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          esModuleInterop: true,
          isolatedModules: true,
          sourceMap: true,
        },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
});
