// deploy/compose/registry-init.mjs (compose's one-shot that gives Apicurio its global BACKWARD_TRANSITIVE rule), run as
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
  /** The Authorization header of each request ('' without one). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

/** A registry whose global compatibility rule starts as `initial` (undefined = none); `failWrites` answers 500. */
async function fakeRegistry(initial: string | undefined, failWrites = false): Promise<FakeRegistry> {
  let rule = initial;
  const requests: string[] = [];
  const authorizations: string[] = [];
  const server: Server = createServer((request, response) => {
    authorizations.push(request.headers.authorization ?? '');
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
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs the script as compose does (node, REGISTRY_URL) and gives its exit code and output. */
async function runInit(
  registryUrl: string,
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], {
      env: { PATH: process.env['PATH'], REGISTRY_URL: registryUrl, ...env },
      timeout: 10_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('registry-init (the global BACKWARD_TRANSITIVE rule)', () => {
  let registry: FakeRegistry | undefined;
  afterEach(() => registry?.close());

  const transitive = JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'BACKWARD_TRANSITIVE' });

  it('creates the rule when the registry has none', async () => {
    registry = await fakeRegistry(undefined);
    const run = await runInit(registry.url);
    expect(run).toEqual({ code: 0, output: expect.stringContaining('rule created') });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`, `POST ${RULE} ${transitive}`]);
  });

  it('replaces the BACKWARD rule of an older deployment, which checks a new version against the latest only', async () => {
    registry = await fakeRegistry('BACKWARD');
    const run = await runInit(`${registry.url}/`);
    expect(run).toEqual({
      code: 0,
      output: expect.stringContaining('rule changed from BACKWARD to BACKWARD_TRANSITIVE'),
    });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`, `PUT ${RULE}/COMPATIBILITY ${transitive}`]);
  });

  it('replaces any other compatibility level', async () => {
    registry = await fakeRegistry('NONE');
    expect(await runInit(registry.url)).toEqual({
      code: 0,
      output: expect.stringContaining('rule changed from NONE to BACKWARD_TRANSITIVE'),
    });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`, `PUT ${RULE}/COMPATIBILITY ${transitive}`]);
  });

  it('leaves a BACKWARD_TRANSITIVE rule alone, so compose can run it on every start', async () => {
    registry = await fakeRegistry('BACKWARD_TRANSITIVE');
    expect(await runInit(registry.url)).toEqual({
      code: 0,
      output: expect.stringContaining('already BACKWARD_TRANSITIVE'),
    });
    expect(registry.requests).toEqual([`GET ${RULE}/COMPATIBILITY`]);
  });

  it('logs in with REGISTRY_USERNAME / REGISTRY_PASSWORD (HTTP basic) on every request when they are set', async () => {
    registry = await fakeRegistry(undefined);
    const login = { REGISTRY_USERNAME: 'registry-admin', REGISTRY_PASSWORD: 's3cret' };
    expect(await runInit(registry.url, login)).toEqual({ code: 0, output: expect.stringContaining('rule created') });
    const basic = `Basic ${Buffer.from('registry-admin:s3cret').toString('base64')}`;
    expect(registry.authorizations).toEqual([basic, basic]);
  });

  it('sends no credentials over plain http off the machine, nor a user without a password', async () => {
    const login = { REGISTRY_USERNAME: 'registry-admin', REGISTRY_PASSWORD: 's3cret' };
    const remote = await runInit('http://apicurio-registry:8081', login);
    expect(remote.code).toBe(1);
    expect(remote.output).toContain(
      'failed: REGISTRY_USERNAME is set, but http://apicurio-registry:8081 is plain http: the credentials would cross the network in clear text (use https)',
    );
    const half = await runInit('http://127.0.0.1:1', { REGISTRY_USERNAME: 'registry-admin' });
    expect(half.code).toBe(1);
    expect(half.output).toContain('failed: REGISTRY_PASSWORD is required when REGISTRY_USERNAME is set');
  });

  it('fails, naming the cause, when the registry refuses', async () => {
    registry = await fakeRegistry(undefined, true);
    const run = await runInit(registry.url);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /setting the global BACKWARD_TRANSITIVE rule on http:\/\/127\.0\.0\.1:\d+ failed: POST 500/,
    );
  });
});
