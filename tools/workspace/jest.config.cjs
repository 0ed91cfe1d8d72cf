module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'workspace'),
  testTimeout: 60_000,
};
