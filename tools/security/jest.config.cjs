// The security suite (`npm run test:security`): the three built services as processes on the real stack, with
// tokens from the stack's Keycloak, forged ones, rate limits, stream caps, a cross-site form and a fuzz run.
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'security'),
  testMatch: ['<rootDir>/test/**/*.security-spec.ts'],
  testTimeout: 120_000,
};
