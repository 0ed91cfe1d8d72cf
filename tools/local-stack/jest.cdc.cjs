// The Kafka Connect part's own checks (`nx run local-stack:cdc`, in `npm run test:cdc`): they start a throw-away
// PostgreSQL, which `npm test` has no need for.
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'local-stack-cdc'),
  testMatch: ['<rootDir>/test/**/*.cdc-spec.ts'],
  testTimeout: 90_000,
};
