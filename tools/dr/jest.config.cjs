// Disaster recovery on the real stack with its DR cluster (`npm run test:dr`): MirrorMaker 2 copying records and
// offsets, then a failover drill that stops the primary Kafka. Runs alone.
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'dr'),
  testMatch: ['<rootDir>/test/**/*.dr-spec.ts'],
  testSequencer: '<rootDir>/test/support/name-order-sequencer.cjs',
  testTimeout: 300_000,
};
