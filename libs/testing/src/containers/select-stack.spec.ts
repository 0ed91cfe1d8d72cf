import { request } from 'node:http';
import { dockerAvailable, needsDockerProbe, resolveStack, selectStack, stackLine } from './select-stack';

describe('selectStack', () => {
  it('uses endpoints given in env, whatever TEST_STACK says and whether Docker answers', () => {
    for (const TEST_STACK of [undefined, 'auto', 'containers', 'local']) {
      for (const dockerAvailable of [true, false]) {
        const selection = selectStack({ env: { KAFKA_BROKERS: 'k1:9092', TEST_STACK }, dockerAvailable });
        expect(selection.kind).toBe('env');
        expect(selection.reason).toMatch(/^KAFKA_BROKERS set in env; SCHEMA_REGISTRY_URL, PGHOST, .* keep the local/);
      }
    }
  });

  it('says which endpoints came from env and that an explicit TEST_STACK did not apply', () => {
    const all = {
      KAFKA_BROKERS: 'k:9092',
      SCHEMA_REGISTRY_URL: 'http://r:8080/apis/ccompat/v7',
      PGHOST: 'db',
      PGPORT: '5432',
      SMTP_HOST: 'mail',
      SMTP_PORT: '1025',
      MAIL_API_URL: 'http://mail:8025',
    };
    expect(selectStack({ env: all, dockerAvailable: true })).toEqual({
      kind: 'env',
      reason: 'KAFKA_BROKERS, SCHEMA_REGISTRY_URL, PGHOST, PGPORT, SMTP_HOST, SMTP_PORT, MAIL_API_URL set in env',
    });
    expect(selectStack({ env: { PGHOST: 'db', TEST_STACK: 'containers' }, dockerAvailable: false }).reason).toMatch(
      /^PGHOST set in env; .*\(TEST_STACK=containers does not apply when endpoints are given\)$/,
    );
  });

  it('ignores empty endpoint variables', () => {
    expect(selectStack({ env: { KAFKA_BROKERS: ' ', PGHOST: '' }, dockerAvailable: false }).kind).toBe('local-stack');
  });

  it('TEST_STACK=local takes the local stack even when Docker answers', () => {
    expect(selectStack({ env: { TEST_STACK: 'local' }, dockerAvailable: true })).toEqual({
      kind: 'local-stack',
      reason: 'TEST_STACK=local',
    });
  });

  it('TEST_STACK=containers starts containers when Docker answers', () => {
    expect(selectStack({ env: { TEST_STACK: 'containers' }, dockerAvailable: true })).toEqual({
      kind: 'containers',
      reason: 'TEST_STACK=containers and a Docker engine answers',
    });
  });

  it('TEST_STACK=containers without a Docker engine fails with what to do instead', () => {
    const select = () => selectStack({ env: { TEST_STACK: 'containers' }, dockerAvailable: false });
    expect(select).toThrow(/^TEST_STACK=containers, but no Docker engine answers/);
    expect(select).toThrow(/DOCKER_HOST/);
    expect(select).toThrow(/`npm test`/);
    expect(select).toThrow(/KAFKA_BROKERS, SCHEMA_REGISTRY_URL/);
  });

  it('with nothing given (or TEST_STACK=auto) takes containers when Docker answers, else the local stack', () => {
    for (const env of [{}, { TEST_STACK: 'auto' }, { TEST_STACK: '' }]) {
      expect(selectStack({ env, dockerAvailable: true })).toEqual({
        kind: 'containers',
        reason: 'no endpoints in env and a Docker engine answers',
      });
      expect(selectStack({ env, dockerAvailable: false })).toEqual({
        kind: 'local-stack',
        reason: 'no endpoints in env and no Docker engine answers',
      });
    }
  });

  it('rejects an unknown TEST_STACK instead of guessing', () => {
    expect(() => selectStack({ env: { TEST_STACK: 'container' }, dockerAvailable: true })).toThrow(
      'TEST_STACK=container is not one of auto, containers, local (unset means auto).',
    );
  });
});

describe('needsDockerProbe and resolveStack', () => {
  it('probe only when the answer decides the path', () => {
    expect(needsDockerProbe({})).toBe(true);
    expect(needsDockerProbe({ TEST_STACK: 'containers' })).toBe(true);
    expect(needsDockerProbe({ TEST_STACK: 'local' })).toBe(false);
    expect(needsDockerProbe({ KAFKA_BROKERS: 'k:9092', TEST_STACK: 'containers' })).toBe(false);
  });

  it('resolveStack calls the probe only when needed and uses its answer', async () => {
    const probe = jest.fn(async () => true);
    await expect(resolveStack({ TEST_STACK: 'local' }, probe)).resolves.toMatchObject({ kind: 'local-stack' });
    await expect(resolveStack({ MAIL_API_URL: 'http://m:8025' }, probe)).resolves.toMatchObject({ kind: 'env' });
    expect(probe).not.toHaveBeenCalled();
    await expect(resolveStack({}, probe)).resolves.toMatchObject({ kind: 'containers' });
    expect(probe).toHaveBeenCalledTimes(1);
    await expect(resolveStack({ TEST_STACK: 'containers' }, async () => false)).rejects.toThrow(/no Docker engine/);
  });
});

describe('stackLine', () => {
  it('prints one line per path', () => {
    expect(stackLine({ kind: 'env', reason: 'KAFKA_BROKERS set in env' })).toBe(
      '[test-stack] env endpoints: KAFKA_BROKERS set in env',
    );
    expect(stackLine({ kind: 'local-stack', reason: 'TEST_STACK=local' })).toBe(
      '[test-stack] local stack: TEST_STACK=local',
    );
    expect(stackLine({ kind: 'containers', reason: 'x' }, 'kafka apache/kafka:4.3.1 at localhost:32768')).toBe(
      '[test-stack] containers: kafka apache/kafka:4.3.1 at localhost:32768',
    );
  });
});

describe('dockerAvailable', () => {
  it('is true when the detection resolves and false when it rejects or throws', async () => {
    await expect(dockerAvailable({ detect: async () => ({}) })).resolves.toBe(true);
    await expect(dockerAvailable({ detect: async () => Promise.reject(new Error('no socket')) })).resolves.toBe(false);
    await expect(
      dockerAvailable({
        detect: () => {
          throw new Error('sync failure');
        },
      }),
    ).resolves.toBe(false);
  });

  it('gives up with false when the engine never answers', async () => {
    const started = Date.now();
    await expect(dockerAvailable({ timeoutMs: 100, detect: () => new Promise(() => undefined) })).resolves.toBe(false);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2000);
  });

  // The real check of this machine: Testcontainers' detection, bounded, agrees with a raw `GET /_ping` on the
  // engine socket. Here no engine runs, so both say false; on a Docker machine both say true.
  it('answers for this machine within the timeout and agrees with a raw _ping of the engine', async () => {
    const started = Date.now();
    const available = await dockerAvailable({ timeoutMs: 4000 });
    expect(Date.now() - started).toBeLessThan(4500);
    expect(available).toBe(await rawPing());
  }, 10_000);
});

/** `GET /_ping` on DOCKER_HOST (unix:// or plain tcp://) or the default socket: "OK" from a live engine. */
function rawPing(): Promise<boolean> {
  const host = process.env['DOCKER_HOST'] ?? 'unix:///var/run/docker.sock';
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  const target =
    url.protocol === 'unix:' ? { socketPath: url.pathname } : { host: url.hostname, port: Number(url.port) };
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
