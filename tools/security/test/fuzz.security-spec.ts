// 3,000+ malformed requests to every endpoint of every service (generated from a seed: FUZZ_SEED replays a run).
// Never a 5xx, never a hang, the services stay ready, and nothing is written.
import { PlatformUnderTest, authHeaders } from '@kafka-platform/testing';
import { generateRequests } from './support/fuzz-requests';
import type { FuzzRequest } from './support/fuzz-requests';

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const COUNT = Number(process.env['FUZZ_REQUESTS'] ?? 3200);
const CONCURRENCY = 8;
const TIMEOUT_MS = 10_000;

describe(`malformed requests (seed ${SEED}: FUZZ_SEED=${SEED} replays this run)`, () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start();
  }, 180_000);
  afterAll(() => platform?.close());

  const written = async () => ({
    users: await count('user-service', 'users'),
    outbox: await count('user-service', 'outbox'),
    mails: await count('email-service', 'sent_emails'),
    replay: (await platform.json<{ generation: number }>('dashboard-service', '/api/replay/status')).generation,
  });
  const count = async (service: 'user-service' | 'email-service', table: string) =>
    (await platform.databases[service].query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

  it(`answers ${COUNT} of them without a 5xx or a hang, stays ready and writes nothing`, async () => {
    const before = await written();
    const token = (await authHeaders('ada')).authorization as string;
    const requests = generateRequests(SEED, COUNT);
    const failures: string[] = [];
    const statuses = new Map<number, number>();

    let nextIndex = 0;
    const worker = async () => {
      for (let index = nextIndex++; index < requests.length; index = nextIndex++) {
        const request = requests[index] as FuzzRequest;
        const outcome = await send(request, token);
        const key = typeof outcome === 'string' ? 0 : outcome;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (!acceptable(request, outcome)) failures.push(`#${index} ${summary(request)} → ${outcome}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    console.log(
      `fuzz seed ${SEED}: ${requests.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    for (const service of ['user-service', 'email-service', 'dashboard-service'] as const) {
      expect({ service, ready: (await fetch(`${platform.services[service].url}/health/ready`)).status }).toEqual({
        service,
        ready: 200,
      });
    }
    expect(await written()).toEqual(before);
  });

  /** The status, or why there was none: a timeout is a hang; a reset or refused connection a crash. */
  async function send(request: FuzzRequest, token: string): Promise<number | string> {
    const headers = { ...request.headers, ...(request.withToken && { authorization: token }) };
    try {
      const response = await fetch(`${platform.services[request.service].url}${request.path}`, {
        method: request.method,
        headers,
        ...(request.body !== undefined && { body: request.body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (request.path.startsWith('/api/stream')) await response.body?.cancel();
      else await response.arrayBuffer();
      return response.status;
    } catch (error) {
      const failure = error as Error & { cause?: { code?: string } };
      return failure.name === 'TimeoutError'
        ? 'no answer within 10 s'
        : `${failure.message} ${failure.cause?.code ?? ''}`;
    }
  }
});

const CHANGES_STATE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** An answer, not a 5xx, and no change accepted: every request here is malformed. */
function acceptable(request: FuzzRequest, outcome: number | string): boolean {
  if (typeof outcome === 'string' || outcome >= 500) return false;
  return !(CHANGES_STATE.has(request.method) && outcome >= 200 && outcome < 300) && outcome !== 409;
}

function summary(request: FuzzRequest): string {
  const body = request.body === undefined ? '' : ` body ${JSON.stringify(request.body.slice(0, 80))}`;
  return `${request.service} ${request.method} ${request.path.slice(0, 120)}${body}`;
}
