// Shared Jest settings: SWC compiles TypeScript (with decorator metadata for NestJS) per file, which is far
// faster than type-checking in tests; `tsc -b` and ESLint do the type checking.
/** @param {string} rootDir @param {string} displayName @returns {import('jest').Config} */
module.exports = (rootDir, displayName) => ({
  displayName,
  rootDir,
  testEnvironment: 'node',
  // Resolve our own packages to their TypeScript sources, as tsconfig's customConditions does.
  testEnvironmentOptions: { customExportConditions: ['@kafka-platform/source', 'node', 'require', 'default'] },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
});
