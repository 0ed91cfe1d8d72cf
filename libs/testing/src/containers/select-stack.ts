/**
 * Which infrastructure a test run uses. Three paths, in this order:
 * 1. endpoints given in env (CI against a remote stack, or `tools/ci/with-containers.mjs`, which starts the
 *    containers once and exports their addresses): used as given, nothing is started;
 * 2. Testcontainers (Kafka, Apicurio, PostgreSQL, Mailpit) when TEST_STACK asks for it and a Docker engine answers;
 * 3. the local stack (`npm run stack:up`), the addresses `stackEndpoints()` defaults to.
 * TEST_STACK: `containers` (fail when no engine answers), `local`, or `auto`/unset (containers when an engine
 * answers, else the local stack).
 */

export type StackKind = 'env' | 'containers' | 'local-stack';

export interface StackSelection {
  readonly kind: StackKind;
  readonly reason: string;
}

/** The address variables `stackEndpoints()` reads: any of them set means the caller brings its own stack. */
export const ENDPOINT_VARS = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'PGHOST',
  'PGPORT',
  'SMTP_HOST',
  'SMTP_PORT',
  'MAIL_API_URL',
] as const;

const MODES = ['auto', 'containers', 'local'] as const;
type Mode = (typeof MODES)[number];

function requestedMode(env: NodeJS.ProcessEnv): Mode {
  const value = (env['TEST_STACK'] ?? '').trim();
  if (value === '') return 'auto';
  if ((MODES as readonly string[]).includes(value)) return value as Mode;
  throw new Error(`TEST_STACK=${value} is not one of ${MODES.join(', ')} (unset means auto).`);
}

const givenEndpoints = (env: NodeJS.ProcessEnv): string[] =>
  ENDPOINT_VARS.filter((name) => (env[name] ?? '').trim() !== '');

/** Whether selectStack needs to know about a Docker engine for this env (the probe costs about a second). */
export function needsDockerProbe(env: NodeJS.ProcessEnv): boolean {
  return givenEndpoints(env).length === 0 && requestedMode(env) !== 'local';
}

/** Pure selection; `dockerAvailable` is what `dockerAvailable()` answered (only read when needsDockerProbe). */
export function selectStack({
  env,
  dockerAvailable,
}: {
  env: NodeJS.ProcessEnv;
  dockerAvailable: boolean;
}): StackSelection {
  const mode = requestedMode(env);
  const given = givenEndpoints(env);
  if (given.length > 0) {
    // stackEndpoints() reads these whatever TEST_STACK says, so env wins; unset addresses keep the local defaults.
    const missing = ENDPOINT_VARS.filter((name) => !given.includes(name));
    const rest = missing.length > 0 ? `; ${missing.join(', ')} keep the local-stack defaults` : '';
    const ignored = mode === 'auto' ? '' : ` (TEST_STACK=${mode} does not apply when endpoints are given)`;
    return { kind: 'env', reason: `${given.join(', ')} set in env${rest}${ignored}` };
  }
  if (mode === 'local') return { kind: 'local-stack', reason: 'TEST_STACK=local' };
  if (mode === 'containers') {
    if (!dockerAvailable) {
      throw new Error(
        'TEST_STACK=containers, but no Docker engine answers (Testcontainers looked at DOCKER_HOST, ' +
          '~/.testcontainers.properties and the usual docker.sock paths). Start Docker or Podman (with DOCKER_HOST ' +
          'pointing at it), or run on the local stack instead: `npm test`, or give the endpoints in env ' +
          `(${ENDPOINT_VARS.join(', ')}).`,
      );
    }
    return { kind: 'containers', reason: 'TEST_STACK=containers and a Docker engine answers' };
  }
  return dockerAvailable
    ? { kind: 'containers', reason: 'no endpoints in env and a Docker engine answers' }
    : { kind: 'local-stack', reason: 'no endpoints in env and no Docker engine answers' };
}

export interface DockerProbeOptions {
  /** Give up after this long: a DOCKER_HOST that never answers must not stall the test run. */
  readonly timeoutMs?: number;
  /** Resolves when an engine answers, rejects when none does. Default: Testcontainers' own runtime detection. */
  readonly detect?: () => Promise<unknown>;
}

// Loaded only when asked: importing testcontainers costs about a second, and most runs never probe.
async function testcontainersRuntime(): Promise<unknown> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return getContainerRuntimeClient();
}

/**
 * Whether a container engine answers, judged by the same detection that would start the containers
 * (DOCKER_HOST, ~/.testcontainers.properties, rootless and Podman sockets, Testcontainers Cloud), so a `true`
 * here means Testcontainers can run. False on a timeout or any error.
 */
export async function dockerAvailable({
  timeoutMs = 5000,
  detect = testcontainersRuntime,
}: DockerProbeOptions = {}): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(detect)
        .then(
          () => true,
          () => false,
        ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** selectStack on the real env, probing for Docker only when the answer matters. */
export async function resolveStack(
  env: NodeJS.ProcessEnv = process.env,
  probe: () => Promise<boolean> = () => dockerAvailable(),
): Promise<StackSelection> {
  return selectStack({ env, dockerAvailable: needsDockerProbe(env) ? await probe() : false });
}

/** The one line a run prints about the path it took; `detail` describes started containers. */
export function stackLine(selection: StackSelection, detail?: string): string {
  const label = { env: 'env endpoints', containers: 'containers', 'local-stack': 'local stack' }[selection.kind];
  return `[test-stack] ${label}: ${detail ?? selection.reason}`;
}
