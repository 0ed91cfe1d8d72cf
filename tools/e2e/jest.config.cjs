// The three services as real processes on the real stack; runs on its own after the other suites (`npm test`).
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'e2e'),
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 120_000,
};
