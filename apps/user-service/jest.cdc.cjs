// The relay comparison (cdc/relay-modes.spec.ts) needs Kafka Connect (`up --with connect`): a target of its own
// (`nx run user-service:cdc`), outside the service's `test`.
const preset = require('../../jest.preset.cjs')(__dirname, 'user-service-cdc');

module.exports = { ...preset, testMatch: ['<rootDir>/cdc/**/*.spec.ts'] };
