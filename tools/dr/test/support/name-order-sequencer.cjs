// Files run in name order: the mirror is proven (a-) before the drill stops the primary (b-).
const Sequencer = require('@jest/test-sequencer').default;

module.exports = class NameOrder extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
};
