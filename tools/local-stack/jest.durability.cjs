// Restarts stack components, so it runs on its own after every other suite (see `npm test`).
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'local-stack:durability'),
  testMatch: ['<rootDir>/test/**/*.durability-spec.ts'],
  testTimeout: 240_000,
};
