// The README's code examples are these files, word for word; the typecheck compiles them.
module.exports = require('../../jest.preset.cjs')(__dirname, 'readme');
