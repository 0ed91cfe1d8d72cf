// Starts its own SASL_SSL broker (`kafka-secure`, ports 9094/9095) with certificates made by the test; it needs
// no other part of the stack, and runs on its own (`nx run local-stack:secure`).
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'local-stack:secure'),
  testMatch: ['<rootDir>/test/**/*.secure-spec.ts'],
  testTimeout: 60_000,
};
