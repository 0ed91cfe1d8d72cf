module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'local-stack'),
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  testTimeout: 30_000,
};
