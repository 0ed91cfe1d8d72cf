#!/usr/bin/env node
// Writes apps/dashboard-service/src/web/catalog.html: docs/asyncapi.yaml as a page people read, served by the
// dashboard at GET /catalog. Rendered from the PARSED document (@asyncapi/parser, Avro payloads read as JSON
// Schema), not from the catalog, so the page shows exactly what the AsyncAPI document says. A small renderer of
// our own rather than @asyncapi/generator's html-template: that one pulls a React toolchain and fetches its
// template at render time; this page needs channels, messages and who sends or receives them, nothing more.
//
//   node tools/readme/scripts/render-catalog-page.mjs           write the page
//   node tools/readme/scripts/render-catalog-page.mjs --check   exit 1 if the committed page is stale
//   ... --out <path>                                            write or check another path instead (tests)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { runGenerator } from '@kafka-platform/events/generated-file';
import { asyncApiParser } from './asyncapi-parser.cjs';
import { repoRoot } from './built-libs.mjs';

const source = join(repoRoot, 'docs', 'asyncapi.yaml');
const generatedFile = join(repoRoot, 'apps', 'dashboard-service', 'src', 'web', 'catalog.html');
const ERROR = 0; // @asyncapi/parser's DiagnosticSeverity.Error

const escape = (text) =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
/** Inline `code` of the document's descriptions, escaped first. */
const prose = (text) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const messageLink = (message) =>
  `<a href="#message-${escape(message.id())}">${escape(message.title() ?? message.id())}</a>`;
const table = (head, rows) =>
  `<table class="lag"><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>` +
  `<tbody>${rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;

async function parse() {
  const { document, diagnostics } = await asyncApiParser().parse(await readFile(source, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === ERROR);
  if (!document || errors.length > 0) {
    throw new Error(
      `${source} is not valid AsyncAPI: ${errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`,
    );
  }
  return document;
}

function retention(ms) {
  if (ms === -1) return 'kept forever';
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000} days` : `${ms} ms`;
}

function operationRow(operation) {
  const group = operation.bindings().get('kafka')?.value()?.groupId?.enum?.[0];
  return [
    operation.action() === 'send' ? 'sends' : 'receives',
    escape(operation.title()),
    group ? `<code>${escape(group)}</code>` : '',
    operation.messages().all().map(messageLink).join(', '),
  ];
}

function channelSection(document, channel) {
  const kafka = channel.bindings().get('kafka')?.value() ?? {};
  const config = kafka.topicConfiguration ?? {};
  const operations = document
    .operations()
    .all()
    .filter((op) =>
      op
        .channels()
        .all()
        .some((c) => c.id() === channel.id()),
    );
  return `<section class="card span-6" id="channel-${escape(channel.id())}">
<h2>Topic <code>${escape(channel.address())}</code></h2>
<p>${prose(channel.description())}</p>
<p class="muted">${kafka.partitions} partitions, ${kafka.replicas} replicas, ${escape(config['cleanup.policy']?.join(', '))}, ${retention(config['retention.ms'])}</p>
${table(['', 'Who', 'Consumer group', 'Messages'], operations.map(operationRow))}
</section>`;
}

function fieldRows(schema) {
  const required = schema.required() ?? [];
  return Object.entries(schema.properties() ?? {}).map(([name, field]) => [
    `<code>${escape(name)}</code>`,
    escape([field.type(), field.format()].filter(Boolean).join(', ')),
    required.includes(name)
      ? 'yes'
      : field.default() === undefined
        ? 'no'
        : `no (default ${escape(JSON.stringify(field.default()))})`,
    escape(field.description()),
  ]);
}

function messageSection(message) {
  const key = message.bindings().get('kafka')?.value()?.key ?? {};
  const latest = message
    .tags()
    .all()
    .some((tag) => tag.name() === 'latest');
  return `<section class="card span-6" id="message-${escape(message.id())}">
<h2>${escape(message.title())}${latest ? ' <small>(latest)</small>' : ''}</h2>
<p>${prose(message.summary())}</p>
<p class="muted">${prose(message.description())}</p>
<p>Record key (${escape(key.format ?? key.type)}): ${escape(key.description)}</p>
${table(['Field', 'Type', 'Required', 'Description'], fieldRows(message.payload()))}
</section>`;
}

function headerSection(document) {
  const headers = document.components().schemas().get('envelopeHeaders');
  return `<section class="card span-6" id="headers">
<h2>Headers of every record</h2>
<p>${prose(headers.description())}</p>
${table(['Header', 'Type', 'Required', 'Description'], fieldRows(headers))}
</section>`;
}

function page(document) {
  const info = document.info();
  const server = document.servers().all()[0];
  return `<!doctype html>
<!-- Generated by tools/readme/scripts/render-catalog-page.mjs from docs/asyncapi.yaml; do not edit.
After changing the catalog or a schema run: npm run generate:asyncapi -->
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="color-scheme" content="light dark" />
<title>${escape(info.title())}</title>
<link rel="icon" href="data:," />
<link rel="stylesheet" href="dashboard.css" />
</head>
<body>
<header class="topbar">
<h1>${escape(info.title())} <small class="muted">AsyncAPI ${escape(document.version())}, v${escape(info.version())}</small></h1>
<nav class="status"><a href="./">Dashboard</a></nav>
</header>
<main class="grid catalog">
<section class="card span-6">
<p>${prose(info.description())}</p>
<p class="muted">Broker <code>${escape(server.host())}</code> (${escape(server.protocol())}), schema registry <code>${escape(server.bindings().get('kafka')?.value()?.schemaRegistryUrl)}</code></p>
</section>
${document
  .channels()
  .all()
  .map((channel) => channelSection(document, channel))
  .join('\n')}
${headerSection(document)}
${document.components().messages().all().map(messageSection).join('\n')}
</main>
</body>
</html>
`;
}

runGenerator({
  name: 'render-catalog-page',
  file: generatedFile,
  generate: async () =>
    prettier.format(page(await parse()), { ...(await prettier.resolveConfig(generatedFile)), parser: 'html' }),
  stale: (out) => `${out} is stale: run npm run generate:asyncapi and commit the result.`,
});
