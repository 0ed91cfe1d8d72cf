// The README's code examples (these files, word for word; the typecheck compiles them) and the generated per-event
// table in docs/events.md.
module.exports = require('../../jest.preset.cjs')(__dirname, 'readme');
