module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'kafka'),
  // Integration tests join real consumer groups, which takes seconds each.
  testTimeout: 60_000,
};
