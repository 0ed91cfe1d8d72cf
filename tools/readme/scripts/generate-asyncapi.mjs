#!/usr/bin/env node
// Writes docs/asyncapi.yaml: the event catalog (libs/events) as an AsyncAPI 3 document. A channel per topic and per
// dead-letter topic (with its partitions, replicas and retention from the topic specs), a message per event and
// schema version (the committed .avsc as its Avro payload, the envelope headers, the record key), a `send`
// operation per producer and a `receive` operation per consumer group. Reads the BUILT libs/events and libs/kafka
// (`npm run generate:asyncapi` builds them first); tools/readme/scripts/render-catalog-page.mjs renders it as HTML.
//
//   node tools/readme/scripts/generate-asyncapi.mjs           write the file
//   node tools/readme/scripts/generate-asyncapi.mjs --check   exit 1 if the committed file is stale
//   ... --out <path>                                          write or check another path instead (tests)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { stringify } from 'yaml';
import { runGenerator } from '@kafka-platform/events/generated-file';
import { loadBuiltLib, repoRoot } from './built-libs.mjs';

const generatedFile = join(repoRoot, 'docs', 'asyncapi.yaml');
const AVRO_FORMAT = 'application/vnd.apache.avro+json;version=1.9.0';
const KAFKA_BINDING = { bindingVersion: '0.5.0' };

// What each envelope header means. Keyed like libs/kafka's HEADER, so a header added there without a line here
// fails the generation instead of going undocumented.
const HEADER_DOCS = {
  eventId: { format: 'uuid', description: 'The event id; consumers deduplicate by it (their inbox).' },
  eventType: { description: 'The event type (the catalog name), which picks the Avro schema subject.' },
  schemaVersion: { pattern: '^[1-9][0-9]*$', description: 'The schema version the value was written with.' },
  occurredAt: { format: 'date-time', description: 'When the fact happened (ISO 8601, UTC).' },
  correlationId: { description: 'The id shared by everything one request or event caused; in every log line.' },
  causationId: { format: 'uuid', description: 'The id of the event whose handling published this one, if any.' },
  traceparent: { description: 'W3C trace context of the producer span, so traces cross Kafka.' },
  sequence: {
    pattern: '^[0-9]+$',
    description: "The event's position among its aggregate's events (the outbox row id): newer is greater.",
  },
};
// Written on every record by the platform's publisher (libs/kafka toHeaders); the others only when they apply.
const ALWAYS_WRITTEN = ['eventId', 'eventType', 'schemaVersion', 'occurredAt', 'correlationId', 'traceparent'];

/** `user-events.email-service.dlq` -> `userEventsEmailServiceDlq`: an id AsyncAPI accepts anywhere. */
const camel = (name) => name.replace(/[^A-Za-z0-9]+([A-Za-z0-9])/g, (_, next) => next.toUpperCase());
const pascal = (name) => camel(name).replace(/^./, (first) => first.toUpperCase());
const messageId = (type, version) => `${type}_v${version}`;
const unique = (values) => [...new Set(values)];

function envelopeHeaders(HEADER) {
  const undocumented = Object.keys(HEADER).filter((key) => !HEADER_DOCS[key]);
  if (undocumented.length > 0) throw new Error(`HEADER_DOCS lacks ${undocumented.join(', ')} (libs/kafka HEADER)`);
  return {
    type: 'object',
    description: 'Every record carries these Kafka headers (UTF-8 strings), written by the platform publisher.',
    required: ALWAYS_WRITTEN.map((key) => HEADER[key]),
    properties: Object.fromEntries(
      Object.entries(HEADER).map(([key, name]) => [name, { type: 'string', ...HEADER_DOCS[key] }]),
    ),
  };
}

/** The record key: the payload's key field, as a UTF-8 string (a uuid when the Avro field is one). */
function keySchema(entry, avro) {
  const field = avro.fields.find((candidate) => candidate.name === entry.keyField);
  const uuid = field?.type?.logicalType === 'uuid';
  return { type: 'string', ...(uuid && { format: 'uuid' }), description: `The payload's ${entry.keyField}.` };
}

async function message(events, entry, version, HEADER) {
  const avro = JSON.parse(await events.readSchema(entry.type, version));
  const latest = version === entry.latestVersion;
  return {
    name: entry.type,
    title: `${entry.type} v${version}`,
    summary: avro.doc,
    contentType: 'application/octet-stream',
    description:
      `Avro binary in the Confluent wire format (0x00, 4-byte schema id, body); schema subject ` +
      `\`${events.subjectFor(entry.type)}\`. ${latest ? 'The version producers write today.' : 'Still in the log; consumers read it.'}`,
    ...(latest && { tags: [{ name: 'latest' }] }),
    headers: {
      allOf: [
        { $ref: '#/components/schemas/envelopeHeaders' },
        {
          properties: {
            [HEADER.eventType]: { const: entry.type },
            [HEADER.schemaVersion]: { const: String(version) },
          },
        },
      ],
    },
    correlationId: { $ref: '#/components/correlationIds/correlationId' },
    payload: { schemaFormat: AVRO_FORMAT, schema: avro },
    bindings: {
      kafka: {
        key: keySchema(entry, avro),
        schemaIdLocation: 'payload',
        schemaIdPayloadEncoding: 'confluent',
        schemaLookupStrategy: 'TopicRecordNameStrategy',
        ...KAFKA_BINDING,
      },
    },
  };
}

function channel(spec, description, messageIds) {
  return {
    address: spec.topic,
    description,
    messages: Object.fromEntries(messageIds.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
    bindings: {
      kafka: {
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        topicConfiguration: {
          'cleanup.policy': spec.configs['cleanup.policy'].split(','),
          // A compacted topic keeps each key's latest record for good: it has no retention to state.
          ...(spec.configs['retention.ms'] !== undefined && { 'retention.ms': Number(spec.configs['retention.ms']) }),
        },
        ...KAFKA_BINDING,
      },
    },
  };
}

function operation(action, channelId, messageIds, fields) {
  return {
    action,
    channel: { $ref: `#/channels/${channelId}` },
    messages: messageIds.map((id) => ({ $ref: `#/channels/${channelId}/messages/${id}` })),
    ...fields,
  };
}

const groupBinding = (group) => ({ kafka: { groupId: { type: 'string', enum: [group] }, ...KAFKA_BINDING } });
const allVersions = (entries) => entries.flatMap((entry) => entry.versions.map((v) => messageId(entry.type, v)));

/** The channels and operations of one topic: its producers, its consumer groups and their dead-letter topics. */
function topicParts(events, topic, entries, specs, DLQ_HEADER) {
  const spec = (name) => specs.find((candidate) => candidate.topic === name);
  const channels = {
    [camel(topic)]: channel(spec(topic), `Events of the topic ${topic}, in order per key.`, allVersions(entries)),
  };
  const operations = {};
  for (const producer of unique(entries.map((entry) => entry.producer))) {
    const written = entries.filter((entry) => entry.producer === producer);
    operations[`${camel(producer)}Sends${pascal(topic)}`] = operation(
      'send',
      camel(topic),
      written.map((entry) => messageId(entry.type, entry.latestVersion)),
      { title: `${producer} publishes to ${topic}`, description: 'It writes the latest schema version of each event.' },
    );
  }
  for (const group of unique(entries.flatMap((entry) => entry.consumerGroups))) {
    const read = allVersions(entries.filter((entry) => entry.consumerGroups.includes(group)));
    const dlq = events.deadLetterTopic(topic, group);
    operations[`${camel(group)}Receives${pascal(topic)}`] = operation('receive', camel(topic), read, {
      title: `Group ${group} consumes ${topic}`,
      description: 'Every schema version still in the log, each resolved to the version its handler reads.',
      bindings: groupBinding(group),
    });
    channels[camel(dlq)] = channel(
      spec(dlq),
      `Records group ${group} gave up on, with their value and headers unchanged plus ${Object.values(DLQ_HEADER)
        .map((name) => `\`${name}\``)
        .join(', ')}. \`npm run dlq -- list|redrive ${group}\` reads them.`,
      read,
    );
    operations[`${camel(group)}DeadLetters${pascal(topic)}`] = operation('send', camel(dlq), read, {
      title: `Group ${group} dead-letters records of ${topic}`,
      description: 'A poison record at once; a failing one after its retries.',
    });
  }
  return { channels, operations };
}

async function messages(events, entries, HEADER) {
  const pairs = entries.flatMap((entry) => entry.versions.map((version) => [entry, version]));
  const built = await Promise.all(pairs.map(([entry, version]) => message(events, entry, version, HEADER)));
  return Object.fromEntries(pairs.map(([entry, version], index) => [messageId(entry.type, version), built[index]]));
}

async function document() {
  const events = loadBuiltLib('events');
  const { HEADER, DLQ_HEADER } = loadBuiltLib('kafka');
  const entries = Object.values(events.eventCatalog);
  const specs = events.topicSpecs();
  const { version } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
  const parts = unique(entries.map((entry) => entry.topic)).map((topic) =>
    topicParts(
      events,
      topic,
      entries.filter((entry) => entry.topic === topic),
      specs,
      DLQ_HEADER,
    ),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Kafka platform events',
      version,
      description:
        'Every event of the catalog (libs/events/src/catalog.ts), generated from it and the committed Avro schemas ' +
        'by tools/readme/scripts/generate-asyncapi.mjs; do not edit. With KAFKA_NAMESPACE set, every topic and ' +
        'group is prefixed with `<namespace>.`. Replicas are those of a cluster of three or more brokers.',
    },
    servers: {
      local: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: "The local stack; the schema registry is Apicurio's Confluent-compatible API.",
        bindings: {
          kafka: {
            schemaRegistryUrl: 'http://localhost:8081/apis/ccompat/v7',
            schemaRegistryVendor: 'confluent',
            ...KAFKA_BINDING,
          },
        },
      },
    },
    channels: Object.assign({}, ...parts.map((part) => part.channels)),
    operations: Object.assign({}, ...parts.map((part) => part.operations)),
    components: {
      messages: await messages(events, entries, HEADER),
      schemas: { envelopeHeaders: envelopeHeaders(HEADER) },
      correlationIds: {
        correlationId: {
          description: 'Shared by all events of one request.',
          location: `$message.header#/${HEADER.correlationId}`,
        },
      },
    },
  };
}

async function generate() {
  const header =
    '# Generated by tools/readme/scripts/generate-asyncapi.mjs from the event catalog; do not edit.\n' +
    '# After changing the catalog or a schema run: npm run generate:asyncapi\n';
  const yaml = header + stringify(await document(), { lineWidth: 0, aliasDuplicateObjects: false });
  return prettier.format(yaml, { ...(await prettier.resolveConfig(generatedFile)), parser: 'yaml' });
}

runGenerator({
  name: 'generate-asyncapi',
  file: generatedFile,
  generate,
  stale: (out) => `${out} is stale: run npm run generate:asyncapi and commit the result.`,
});
