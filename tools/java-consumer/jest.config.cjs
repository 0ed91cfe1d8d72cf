// The Java consumer against the platform's services on the real stack; CI runs it after `npm test` (.ci/run).
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'java-consumer'),
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 120_000,
};
