// Shared Jest settings for every project (see the `test` targets in project.json).
/** @param {string} rootDir @param {string} displayName @returns {import('jest').Config} */
module.exports = (rootDir, displayName) => ({
  displayName,
  rootDir,
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
