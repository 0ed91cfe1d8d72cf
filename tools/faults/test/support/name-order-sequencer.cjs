// Fault files run in name order (a-..., b-...), as the suite's table lists them, not in Jest's duration order.
const Sequencer = require('@jest/test-sequencer').default;

module.exports = class NameOrder extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
};
