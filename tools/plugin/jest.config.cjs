// The generators' test copies the workspace and runs lint, typecheck and tests in the copy: minutes, not seconds.
module.exports = {
  ...require('../../jest.preset.cjs')(__dirname, 'plugin'),
  testTimeout: 15 * 60_000,
};
