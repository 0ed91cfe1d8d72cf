import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AsyncAPIDocumentInterface, Diagnostic } from '@asyncapi/parser';
import { parse, stringify } from 'yaml';
import { CONSUMER_GROUPS, eventCatalog, topicSpecs } from '@kafka-platform/events';
import { asyncApiParser } from '../scripts/asyncapi-parser.cjs';

const root = join(__dirname, '..', '..', '..');
const documentFile = join(root, 'docs/asyncapi.yaml');
const pageFile = join(root, 'apps/dashboard-service/src/web/catalog.html');
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'tools/readme/scripts', script), ...args], { encoding: 'utf8' });
const ERROR = 0; // DiagnosticSeverity.Error
const entries = Object.values(eventCatalog);

describe('the AsyncAPI document (docs/asyncapi.yaml)', () => {
  let document: AsyncAPIDocumentInterface;
  let diagnostics: Diagnostic[];
  beforeAll(async () => {
    const parsed = await asyncApiParser().parse(readFileSync(documentFile, 'utf8'));
    diagnostics = parsed.diagnostics;
    document = parsed.document as AsyncAPIDocumentInterface;
  });

  it('parses with @asyncapi/parser (Avro payloads included) without errors', () => {
    const errors = diagnostics.filter((d) => d.severity === ERROR);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document).toBeDefined();
    // Warnings and hints are allowed; they are listed here so a new one is a conscious change.
    expect(diagnostics.map((d) => d.code)).toEqual(['asyncapi-latest-version']);
  });

  it('checks the payloads as Avro: a broken .avsc in the document is an error', async () => {
    const broken = parse(readFileSync(documentFile, 'utf8'));
    broken.components.messages.new_user_v1.payload.schema.fields[0].type = 'no-such-avro-type';
    const { diagnostics: found } = await asyncApiParser().parse(stringify(broken));
    const errorPaths = found.filter((d) => d.severity === ERROR).map((d) => d.path.join('.'));
    expect(errorPaths).toContainEqual(expect.stringMatching(/^components\.messages\.new_user_v1\.payload/));
  });

  it('has a message per event and schema version, with the .avsc as its Avro payload and the key field', () => {
    const messages = document.components().messages();
    for (const entry of entries) {
      for (const version of entry.versions) {
        const message = messages.get(`${entry.type}_v${version}`);
        expect(message?.schemaFormat()).toBe('application/vnd.apache.avro+json;version=1.9.0');
        expect(Object.keys(message?.payload()?.properties() ?? {})).toContain(entry.keyField);
        expect(message?.bindings().get('kafka')?.value()).toMatchObject({ key: { type: 'string' } });
      }
    }
    expect(messages.length).toBe(entries.reduce((sum, entry) => sum + entry.versions.length, 0));
  });

  it('names the producer of each topic and every consumer group with its groupId, and their DLQs', () => {
    const operations = document.operations().all();
    const received = (group: string, topic: string) =>
      operations.some(
        (op) =>
          op.action() === 'receive' &&
          op.channels().all()[0]?.address() === topic &&
          op.bindings().get('kafka')?.value()?.groupId?.enum?.[0] === group,
      );
    for (const entry of entries) {
      expect(
        operations.some((op) => op.action() === 'send' && String(op.json('title')).startsWith(entry.producer)),
      ).toBe(true);
      for (const group of entry.consumerGroups) expect(received(group, entry.topic)).toBe(true);
    }
    // Every topic the platform creates, the dead-letter topics included, is a channel; a stream processor's state
    // (changelog) topic carries no event of the contract and is not.
    const addresses = document
      .channels()
      .all()
      .map((channel) => channel.address());
    expect(addresses.sort()).toEqual(
      topicSpecs()
        .map((spec) => spec.topic)
        .filter((topic) => !topic.endsWith('.changelog'))
        .sort(),
    );
  });

  it('is what the catalog generates (npm run generate:asyncapi)', () => {
    const result = run('generate-asyncapi.mjs', '--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file', () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'asyncapi-')), 'asyncapi.yaml');
    writeFileSync(stale, readFileSync(documentFile, 'utf8').replace('partitions: 6', 'partitions: 5'));
    const result = run('generate-asyncapi.mjs', '--check', '--out', stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run npm run generate:asyncapi/);
  });
});

describe('the catalog page (dashboard GET /catalog)', () => {
  it('is what docs/asyncapi.yaml renders (npm run generate:asyncapi)', () => {
    const result = run('render-catalog-page.mjs', '--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('shows every event version, its fields, and who sends and receives it', () => {
    const page = readFileSync(pageFile, 'utf8');
    for (const entry of entries) {
      for (const version of entry.versions) expect(page).toContain(`id="message-${entry.type}_v${version}"`);
    }
    for (const group of CONSUMER_GROUPS) expect(page).toContain(`<code>${group}</code>`);
    expect(page).toContain('user-service publishes to user-events');
    expect(page).toContain('<code>locale</code>');
  });
});
