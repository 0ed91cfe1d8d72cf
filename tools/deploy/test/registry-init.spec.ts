// deploy/compose/registry-init.mjs (compose's one-shot that gives Apicurio its global BACKWARD rule), run as
// compose runs it, against a stand-in for the registry's admin API that records what it is asked. The stand-in
// answers as Apicurio 3.3 does: 404 without a global rule, the rule as JSON once there is one.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './support/config-env-names';

const script = join(repoRoot, 'deploy', 'compose', 'registry-init.mjs');
const RULE = '/apis/registry/v3/admin/rules';

interface FakeRegistry {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** A registry whose global compatibility rule starts as `initial` (undefined = none); `failWrites` answers 500. */
async function fakeRegistry(initial: string | undefined, failWrites = false): Promise<FakeRegistry> {
  let rule = initial;
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}${body ? ` ${body}` : ''}`);
      const json = (status: number, value: unknown) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.method === 'GET' && request.url === `${RULE}/COMPATIBILITY`) {
        return rule ? json(200, { ruleType: 'COMPATIBILITY', config: rule }) : json(404, { error_code: 404 });
      }
      const write =
        (request.method === 'POST' && request.url === RULE && !rule) ||
        (request.method === 'PUT' && request.url === `${RULE}/COMPATIBILITY` && rule);
      if (!write) return json(409, { message: `unexpected ${request.method} ${request.url}` });
      if (failWrites) return json(500, { message: 'storage unavailable' });
      rule = (JSON.parse(body) as { config: string }).config;
      return json(200, JSON.parse(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs the script as compose does (node, REGISTRY_URL) and gives its exit code and output. */
async function runInit(registryUrl: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], {
      env: { PATH: process.env['PATH'], REGISTRY_URL: registryUrl },
      timeout: 10_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('registry-init (the global BACKWARD rule)', () => {
  let registry: FakeRegistry | undefined;
  afterEach(() => registry?.close());

  const backward = JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'BACKWARD' });

  it('creates the rule when the registry has none', async () => {
    registry = await fakeRegistry(undefined);
    const run = await runInit(registry.url);
    expect(run).toEqual({ code: 0, output: expect.stringContaining('rule created') });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`, `POST ${RULE} ${backward}`]);
  });

  it('replaces another compatibility level', async () => {
    registry = await fakeRegistry('NONE');
    const run = await runInit(`${registry.url}/`);
    expect(run).toEqual({ code: 0, output: expect.stringContaining('rule changed to BACKWARD') });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`, `PUT ${RULE}/COMPATIBILITY ${backward}`]);
  });

  it('leaves a BACKWARD rule alone, so compose can run it on every start', async () => {
    registry = await fakeRegistry('BACKWARD');
    expect(await runInit(registry.url)).toEqual({ code: 0, output: expect.stringContaining('already BACKWARD') });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`]);
  });

  it('fails, naming the cause, when the registry refuses', async () => {
    registry = await fakeRegistry(undefined, true);
    const run = await runInit(registry.url);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/setting the global BACKWARD rule on http:\/\/127\.0\.0\.1:\d+ failed: POST 500/);
  });
});
