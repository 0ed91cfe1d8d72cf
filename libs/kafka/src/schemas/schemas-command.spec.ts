// `schemas check|register` against the real registry of the stack, each case in a KAFKA_NAMESPACE of its own (its
// subjects are `<ns>.user-events-<record>`, deleted afterwards), plus stand-ins for registries that misbehave. Most
// cases call the command in-process; the last ones run the compiled CLI (libs/kafka/dist) as CI and Kubernetes do.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readSchema } from '@kafka-platform/events';
import { deleteNamespaceSubjects, freePort, stackEndpoints, testNamespace } from '@kafka-platform/testing';
import { catalogContract } from '../contract/catalog-contract';
import { RegistryApi } from './registry-api';
import type { SchemasReport } from './schema-lifecycle';
import { runSchemasCommand } from './schemas-command';

const url = stackEndpoints().schemaRegistryUrl;
const api = new RegistryApi({ url });
const namespaces: string[] = [];
const namespace = (prefix: string) => {
  const name = testNamespace(prefix);
  namespaces.push(name);
  return name;
};
afterAll(async () => {
  for (const name of namespaces) await deleteNamespaceSubjects(name);
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** The command in-process, with only the env given (never the test process's KAFKA_NAMESPACE and such). */
async function schemas(args: string[], env: NodeJS.ProcessEnv = { SCHEMA_REGISTRY_URL: url }, retryEveryMs = 200) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSchemasCommand(
    args,
    env,
    { out: (t) => out.push(t), err: (t) => err.push(t) },
    { retryEveryMs },
  );
  return { code, out: out.join('\n'), err: err.join('\n') } satisfies Run;
}

const subjectOf = (ns: string, type: string) => catalogContract(ns).subjectFor(type);
const record = (fields: object[]) =>
  JSON.stringify({ type: 'record', name: 'NewUser', namespace: 'dev.kafkaplatform.users', fields });
const uuid = { type: 'string', logicalType: 'uuid' };

describe('schemas check and register (real registry)', () => {
  it('check: on a namespace nothing registered yet, every version is a new subject; --registered fails', async () => {
    const ns = namespace('sch_new');
    const check = await schemas(['check', '--namespace', ns]);
    expect(check.code).toBe(0);
    expect(check.out).toContain(`new_user -> ${subjectOf(ns, 'new_user')}`);
    expect(check.out).toMatch(/ {2}v1 {2}new subject: nothing registered to be compatible with/);
    expect(check.out).toMatch(/check: ok, 10 version\(s\) of 6 subject\(s\)$/);

    const registered = await schemas(['check', '--registered', '--namespace', ns]);
    expect(registered.code).toBe(1);
    expect(registered.out).toMatch(/ {2}v2 {2}NOT REGISTERED/);
    expect(registered.out).toContain('10 of 10 version(s) not registered yet: new_user v1, new_user v2, new_user v3');
  });

  it('register: every version in order, printed subject -> version -> id; again: the same ids (idempotent)', async () => {
    const ns = namespace('sch_reg');
    const first = await schemas(['register'], { SCHEMA_REGISTRY_URL: url, KAFKA_NAMESPACE: ns });
    expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
    const ids: Record<string, number> = {};
    for (const [type, version] of [
      ['new_user', 1],
      ['new_user', 2],
      ['new_user', 3],
      ['user_updated', 1],
      ['user_updated', 2],
      ['user_deleted', 1],
      ['signups_per_minute', 1],
      ['signup_by_domain', 1],
      ['signup_by_domain', 2],
      ['user_key', 1],
    ] as const) {
      const found = await api.lookup(subjectOf(ns, type), await readSchema(type, version));
      expect(found).toBeDefined();
      ids[`${type} v${version}`] = found?.id as number;
      expect(first.out).toContain(`${subjectOf(ns, type)} -> v${version} -> id ${found?.id} (registered now`);
    }
    // In order: v1 is the subject's version 1, v2 its version 2, v3 its version 3.
    expect(await api.subjectVersions(subjectOf(ns, 'new_user'))).toEqual([1, 2, 3]);
    expect(first.out).toMatch(/register: ok, 10 version\(s\) of 6 subject\(s\) registered \(10 now, 0 already\)$/);

    const again = await schemas(['register', '--namespace', ns, '--json']);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out) as SchemasReport;
    expect(report).toMatchObject({ command: 'register', registry: url, namespace: ns, ok: true });
    expect(report.results.map((r) => [`${r.event} v${r.version}`, r.status, r.id])).toEqual(
      Object.entries(ids).map(([version, id]) => [version, 'registered', id]),
    );
    expect(await api.subjectVersions(subjectOf(ns, 'new_user'))).toEqual([1, 2, 3]);
    expect((await schemas(['check', '--registered', '--namespace', ns])).code).toBe(0);
  });

  it('check: names the field that breaks compatibility and why, as the registry says it; register refuses', async () => {
    const ns = namespace('sch_bad');
    const subject = subjectOf(ns, 'new_user');
    // What another writer registered first: email an int, and no name.
    await api.register(
      subject,
      record([
        { name: 'userId', type: uuid },
        { name: 'email', type: 'int' },
      ]),
    );

    const check = await schemas(['check', '--namespace', ns]);
    expect(check.code).toBe(1);
    expect(check.out).toContain(`new_user -> ${subject}\n  v1  INCOMPATIBLE with the registered versions:`);
    expect(check.out).toContain(
      'field "email" (/fields/1/type): reader type: STRING not compatible with writer type: INT',
    );
    expect(check.out).toContain(
      'field "name" (/fields/2): "name": no default, so this version cannot read data a registered version wrote without it',
    );
    expect(check.out).toMatch(/check: FAILED, incompatible: new_user v1, new_user v2, new_user v3$/);

    const register = await schemas(['register', '--namespace', ns]);
    expect(register.code).toBe(1);
    expect(register.out).toContain(`${subject} -> v1 -> INCOMPATIBLE, not registered:`);
    expect(register.out).toMatch(
      /register: refused, nothing registered: incompatible new_user v1, new_user v2, new_user v3$/,
    );
    expect(await api.subjectVersions(subject)).toEqual([1]);
    expect(await api.subjectVersions(subjectOf(ns, 'user_updated'))).toEqual([]);
  });

  it('check: against every registered version (transitive), not only the latest', async () => {
    const ns = namespace('sch_tra');
    const subject = subjectOf(ns, 'new_user');
    // Version 1 had an int locale, version 2 dropped it (each step backward compatible). The catalog's v2 reads
    // version 2's data but not version 1's (a string locale cannot read an int).
    await api.register(
      subject,
      record([
        { name: 'userId', type: uuid },
        { name: 'email', type: 'string' },
        { name: 'name', type: 'string' },
        { name: 'locale', type: 'int' },
      ]),
    );
    await api.register(subject, await readSchema('new_user', 1));
    // The subject's own rule, so the case does not depend on the shared registry's global one.
    const config = await fetch(`${url}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD_TRANSITIVE' }),
    });
    expect(config.status).toBe(200);

    const check = await schemas(['check', '--namespace', ns]);
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/ {2}v1 {2}registered \(id \d+, registry version 2\)/);
    expect(check.out).toContain(
      '  v2  INCOMPATIBLE with the registered versions:\n        field "locale" (/fields/3/type): reader type: STRING not compatible with writer type: INT',
    );
  });

  it('check --registered --wait: keeps asking until the versions are registered', async () => {
    const ns = namespace('sch_wait');
    const waiting = schemas(['check', '--registered', '--wait', '30s', '--namespace', ns]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await schemas(['register', '--namespace', ns])).code).toBe(0);
    const done = await waiting;
    expect(done.code).toBe(0);
    expect(done.err).toMatch(/^schemas: waiting: 10 catalog version\(s\) not registered yet; asking again every 0.2 s/);
    expect(done.out).toMatch(/check: ok/);
  });
});

describe('schemas: usage and registries that do not answer', () => {
  it.each([
    [[], 'name a command: check or register'],
    [['publish'], 'unknown command "publish"'],
    [['check', 'extra'], 'unexpected argument "extra"'],
    [['register', '--registered'], '--registered goes with check only'],
    [['check', '--force'], "Unknown option '--force'"],
    [['check', '--registry', 'localhost:8081'], '--registry must be an http(s) URL'],
    [['check', '--namespace', 'no spaces'], '--namespace must be 1 to 60 letters, digits, "_" or "-", got "no spaces"'],
    [['check', '--wait', 'soon'], '--wait must be a duration such as 30s, 5m or 1h, got "soon"'],
  ])('%j is a usage error (exit 2): %s', async (args, message) => {
    const run = await schemas(args);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`schemas: ${message}`);
    expect(run.err).toContain('usage: schemas check|register');
    expect(run.out).toBe('');
  });

  it('a bad SCHEMA_REGISTRY_URL, or a user without a password, is a usage error naming the variable', async () => {
    const bad = await schemas(['check'], { SCHEMA_REGISTRY_URL: 'registry:8081' });
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe(
      'schemas: SCHEMA_REGISTRY_URL must be an http(s) URL such as http://localhost:8081/apis/ccompat/v7, got "registry:8081"',
    );
    const user = await schemas(['check'], { SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_USERNAME: 'ci' });
    expect(user.code).toBe(2);
    expect(user.err).toContain('schemas: SCHEMA_REGISTRY_PASSWORD is required when SCHEMA_REGISTRY_USERNAME is set');
  });

  it('refuses to send the credentials over plain http off the machine, as the services do', async () => {
    const credentials = { SCHEMA_REGISTRY_USERNAME: 'ci', SCHEMA_REGISTRY_PASSWORD: 's3cret' };
    const remote = 'http://apicurio-registry:8081/apis/ccompat/v7';
    const run = await schemas(['check', '--registry', remote], credentials);
    expect(run.code).toBe(2);
    expect(run.err.split('\n')[0]).toBe(
      `schemas: SCHEMA_REGISTRY_USERNAME is set, but ${remote} is plain http to apicurio-registry: the registry credentials would cross the network in clear text (use https; plain http only to a loopback host)`,
    );
  });

  it('--help prints the usage and exits 0', async () => {
    expect(await schemas(['--help'])).toEqual({ code: 0, out: expect.stringContaining('Exit codes: 0 ok'), err: '' });
  });

  it('an unreachable registry: one line naming it, exit 1', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/apis/ccompat/v7`;
    const run = await schemas(['check', '--registry', nobody]);
    expect(run).toEqual({
      code: 1,
      out: '',
      err: `schemas: the schema registry at ${nobody} does not answer (ECONNREFUSED)`,
    });
  });

  it('something that is no schema registry: one line naming it, exit 1', async () => {
    const server = await standIn(() => [404, '<html>Not Found</html>']);
    try {
      const run = await schemas(['register', '--registry', server.url]);
      expect(run).toEqual({
        code: 1,
        out: '',
        err: `schemas: ${server.url} does not answer as a Confluent-compatible schema registry (GET /config answered HTTP 404 without a compatibilityLevel)`,
      });
    } finally {
      await server.close();
    }
  });

  it('a registry without a global rule: check notes it, register refuses (and --wait waits for the rule)', async () => {
    const server = await standIn((path) =>
      path === '/config' ? [200, { compatibilityLevel: 'NONE' }] : [404, { error_code: 40401, message: 'no subject' }],
    );
    const env = { SCHEMA_REGISTRY_URL: server.url, SCHEMA_REGISTRY_USERNAME: 'ci', SCHEMA_REGISTRY_PASSWORD: 's3cret' };
    try {
      const check = await schemas(['check'], env);
      expect(check.code).toBe(0);
      expect(check.out).toContain('note: the registry has no global compatibility rule (NONE)');
      const register = await schemas(['register', '--wait', '1s'], env);
      expect(register.code).toBe(1);
      expect(register.err).toMatch(/^schemas: waiting: the registry at .* has no global compatibility rule \(NONE\)/);
      expect(register.out).toMatch(/refused: the registry at .* has no global compatibility rule \(NONE\)/);
      expect(register.out).toMatch(/register: refused, nothing registered$/);
      // Basic auth as the services send it.
      expect(new Set(server.authorizations)).toEqual(new Set([`Basic ${Buffer.from('ci:s3cret').toString('base64')}`]));
    } finally {
      await server.close();
    }
  });
});

describe('the compiled CLI (node libs/kafka/dist/schemas/schemas-cli.js)', () => {
  const cli = join(__dirname, '..', '..', 'dist', 'schemas', 'schemas-cli.js');
  const run = async (args: string[], env: NodeJS.ProcessEnv = { SCHEMA_REGISTRY_URL: url }): Promise<Run> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
        env: { PATH: process.env['PATH'], ...env },
        timeout: 30_000,
      });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
    }
  };

  it('exits 2 on a usage error, 1 on an unreachable registry, 0 once it registered', async () => {
    expect(await run(['check', '--registry', 'ftp://registry'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^schemas: --registry must be an http\(s\) URL/),
    });
    const nobody = `http://127.0.0.1:${await freePort()}`;
    expect(await run(['check'], { SCHEMA_REGISTRY_URL: nobody })).toEqual({
      code: 1,
      out: '',
      err: `schemas: the schema registry at ${nobody} does not answer (ECONNREFUSED)\n`,
    });
    const ns = namespace('sch_cli');
    expect(await run(['check', '--registered', '--namespace', ns])).toMatchObject({ code: 1 });
    expect(await run(['register', '--namespace', ns])).toMatchObject({ code: 0, err: '' });
    expect(await run(['check', '--registered'], { SCHEMA_REGISTRY_URL: url, KAFKA_NAMESPACE: ns })).toMatchObject({
      code: 0,
      out: expect.stringMatching(/check: ok/),
    });
  });
});

/** An HTTP server answering every request with what `answer` says for its path; it records authorization headers. */
async function standIn(answer: (path: string) => [number, unknown]) {
  const authorizations: string[] = [];
  const server = createServer((request, response) => {
    const headers: IncomingHttpHeaders = request.headers;
    if (headers.authorization) authorizations.push(headers.authorization);
    const [status, body] = answer((request.url ?? '').split('?')[0] as string);
    response.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
