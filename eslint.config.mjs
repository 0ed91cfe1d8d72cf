import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Dependency rules between projects, enforced on every import (see ARCHITECTURE "Layout"):
// apps use libs and never each other; libs never import apps or tools; `events` imports nothing of ours;
// `kafka` may import `events`; test infrastructure is for tests and tools.
export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  // Direct imports only (notDependOnLibsWithTags would also follow a lib's test-only imports transitively).
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  // An empty list would allow everything (nrwl/nx#12597), so `events` may depend only on itself.
  { sourceTag: 'scope:events', onlyDependOnLibsWithTags: ['scope:events'] },
  // `core` is the bottom: config parsing, errors, the correlation context, the metrics registry token.
  { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core'] },
  { sourceTag: 'scope:kafka', onlyDependOnLibsWithTags: ['scope:core', 'scope:events', 'scope:kafka'] },
  // The SDK starts before anything else loads, so telemetry depends on nothing of ours.
  { sourceTag: 'scope:telemetry', onlyDependOnLibsWithTags: ['scope:telemetry'] },
  {
    sourceTag: 'scope:platform',
    onlyDependOnLibsWithTags: ['scope:core', 'scope:events', 'scope:kafka', 'scope:telemetry', 'scope:platform'],
  },
  // Transactional messaging (outbox, inbox) sits on the Kafka plumbing and the service's database.
  {
    sourceTag: 'scope:messaging',
    onlyDependOnLibsWithTags: [
      'scope:core',
      'scope:events',
      'scope:kafka',
      'scope:telemetry',
      'scope:platform',
      'scope:messaging',
    ],
  },
  // Test infrastructure stays below the libs it helps test, so their tests can use it without a cycle.
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['scope:events', 'type:testing'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
];

// Tests and their support code may also use the test infrastructure; production code may not.
const testFiles = ['**/*.spec.ts', '**/test-support/**/*.ts', '**/test/**/*.ts'];
const testDepConstraints = depConstraints.map((constraint) => ({
  ...constraint,
  onlyDependOnLibsWithTags: [...new Set([...constraint.onlyDependOnLibsWithTags, 'type:testing'])],
}));

export default tseslint.config(
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '.local-stack', '.nx', '**/*.generated.ts'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    // Jest configs reach the workspace preset by path; they are build configuration, not project code.
    ignores: ['**/jest.config.cjs', '**/jest.*.cjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints,
        },
      ],
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints: testDepConstraints },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
