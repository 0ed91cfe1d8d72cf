// The local stack's registry gets the platform's global BACKWARD_TRANSITIVE rule after every `stack:up`
// (registryComponent.afterReady = ensureGlobalCompatibilityRule in lib/registry.mjs): created when missing, an older
// stack's BACKWARD changed, left alone when there. Against a stand-in registry that records what it is asked, then
// once against the real one (which only sets the global rule, as stack:up does).
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { endpoints } from './support';

const RULES = '/apis/registry/v3/admin/rules';
const registryModule = join(__dirname, '..', 'lib', 'registry.mjs');

/** Calls ensureGlobalCompatibilityRule(base) in a Node process of its own (the stack's modules are ES modules). */
async function ensureRule(base?: string): Promise<string> {
  const call = `const { ensureGlobalCompatibilityRule } = await import(${JSON.stringify(registryModule)});
    console.log(await ensureGlobalCompatibilityRule(${base ? JSON.stringify(base) : ''}));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', call], {
    timeout: 20_000,
  });
  return stdout.trim();
}

/** A registry whose global rule starts as `initial` (undefined: none); it records every request. */
async function fakeRegistry(initial: string | undefined) {
  let rule = initial;
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}${body ? ` ${JSON.parse(body).config}` : ''}`);
      const reply = (status: number, value: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.method === 'GET') return rule ? reply(200, { config: rule }) : reply(404, {});
      rule = (JSON.parse(body) as { config: string }).config;
      return reply(200, JSON.parse(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the local stack's global compatibility rule", () => {
  it.each([
    [undefined, 'created', `POST ${RULES} BACKWARD_TRANSITIVE`],
    ['BACKWARD', 'changed', `PUT ${RULES}/COMPATIBILITY BACKWARD_TRANSITIVE`],
    ['BACKWARD_TRANSITIVE', 'unchanged', undefined],
  ])('starting from %s: %s', async (initial, outcome, write) => {
    const registry = await fakeRegistry(initial);
    try {
      expect(await ensureRule(registry.url)).toBe(outcome);
      expect(registry.requests).toEqual([`GET ${RULES}/COMPATIBILITY`, ...(write ? [write] : [])]);
    } finally {
      await registry.close();
    }
  });

  it('is BACKWARD_TRANSITIVE on the running stack once ensured, and ensuring it again changes nothing', async () => {
    await ensureRule();
    expect(await ensureRule()).toBe('unchanged');
    const base = endpoints.schemaRegistryUrl.replace(/\/apis\/ccompat\/v\d+$/, '');
    const response = await fetch(`${base}${RULES}/COMPATIBILITY`);
    expect(await response.json()).toMatchObject({ config: 'BACKWARD_TRANSITIVE' });
  });
});
