// The one AsyncAPI parser set-up, for the catalog page's renderer and the tests: with the Avro schema parser
// registered, each message's .avsc payload is parsed and checked as Avro (and read as JSON Schema), not skipped.
// CommonJS so that both the ES module scripts and the Jest specs (CommonJS) load it.
const { Parser } = require('@asyncapi/parser');
const { AvroSchemaParser } = require('@asyncapi/avro-schema-parser');

/** @returns {import('@asyncapi/parser').Parser} */
function asyncApiParser() {
  const parser = new Parser();
  parser.registerSchemaParser(AvroSchemaParser());
  return parser;
}

module.exports = { asyncApiParser };
