// Process-level faults on the real stack with three brokers (`npm run test:faults`); runs alone, as it kills
// brokers, restarts PostgreSQL and stops stack components. Files run in name order; a table of what each fault
// did is printed at the end (test/support/report-table.ts).
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'faults'),
  testMatch: ['<rootDir>/test/**/*.fault-spec.ts'],
  testSequencer: '<rootDir>/test/support/name-order-sequencer.cjs',
  globalSetup: '<rootDir>/test/support/report-setup.ts',
  globalTeardown: '<rootDir>/test/support/report-table.ts',
  testTimeout: 300_000,
};
