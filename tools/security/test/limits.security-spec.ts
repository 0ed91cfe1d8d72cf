// Limits and browser rules on the real platform: the signup's rate limit, the general one, the live-stream caps,
// security headers, CORS, and a cross-site form that tries to start a replay in an operator's browser.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformUnderTest, authHeaders, uniqueName, waitFor } from '@kafka-platform/testing';
import type { DemoUser } from '@kafka-platform/testing';
import { chromium } from 'playwright-core';

const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

describe('limits and browser rules (three services, real stack)', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      env: { SIGNUP_RATE_LIMIT_PER_MINUTE: '5', DASHBOARD_MAX_STREAMS: '3', DASHBOARD_MAX_STREAMS_PER_CALLER: '2' },
    });
  }, 180_000);
  afterAll(() => platform?.close());

  it('answers the sixth signup of a minute from one address with 429 and Retry-After, and stores it nowhere', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    const last = `${uniqueName('sixth')}@example.com`;
    for (let i = 0; i < 6; i++) {
      const email = i === 5 ? last : `${uniqueName('limited')}@example.com`;
      const response = await platform.signUp({ email, name: 'Limited' });
      statuses.push(response.status);
      retryAfter = response.retryAfter;
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const stored = await platform.databases['user-service'].query('SELECT 1 FROM users WHERE email = $1', [last]);
    expect(stored).toEqual([]);
  });

  it('limits every route per address (RATE_LIMIT_PER_MINUTE), health probes excepted', async () => {
    const limited = await platform.addInstance('email-service', { RATE_LIMIT_PER_MINUTE: '3' });
    const headers = await authHeaders('ada');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.url}/emails`, { headers })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await fetch(`${limited.url}/health/ready`)).status).toBe(200);
  });

  it('caps live streams per caller (429) and in all (503), and frees a slot when a client leaves', async () => {
    const url = `${platform.services['dashboard-service'].url}/api/stream`;
    const open = async (user: DemoUser) => {
      const abort = new AbortController();
      const response = await fetch(url, { headers: await authHeaders(user), signal: abort.signal });
      if (response.status !== 200) await response.arrayBuffer();
      return { status: response.status, retryAfter: response.headers.get('retry-after'), close: () => abort.abort() };
    };
    const first = await open('sam');
    const second = await open('sam');
    const thirdOfSam = await open('sam');
    const vera = await open('vera');
    const ada = await open('ada');
    try {
      expect([first.status, second.status, thirdOfSam.status, vera.status, ada.status]).toEqual([
        200, 200, 429, 200, 503,
      ]);
      expect(Number(ada.retryAfter)).toBeGreaterThan(0);

      first.close();
      const again = await waitFor('a slot freed by the closed stream', async () => {
        const attempt = await open('sam');
        if (attempt.status === 200) return attempt;
        return undefined;
      });
      again.close();
    } finally {
      for (const stream of [first, second, vera]) stream.close();
    }
  });

  it('sends security headers and no CORS grant to a foreign origin', async () => {
    const url = `${platform.services['dashboard-service'].url}/api/stats`;
    const response = await fetch(url, { headers: { ...(await authHeaders('sam')), origin: 'http://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('does nothing when a page of another origin posts a form or a simple request to /api/replay', async () => {
    const dashboard = platform.services['dashboard-service'].url;
    const before = await platform.json<{ generation: number; state: string }>(
      'dashboard-service',
      '/api/replay/status',
    );
    const attacker = await serve(`<!doctype html>
      <form id="form" method="POST" action="${dashboard}/api/replay" enctype="text/plain">
        <input name='{"generation":' value='1}'>
      </form>
      <script>
        fetch('${dashboard}/api/replay', { method: 'POST', mode: 'no-cors' }).finally(() => form.submit());
      </script>`);
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const answer = page.waitForResponse((response) => response.url() === `${dashboard}/api/replay`);
      await page.goto(attacker.url);
      expect([401, 415]).toContain((await answer).status());
    } finally {
      await browser.close();
      attacker.server.close();
    }
    const after = await platform.json<{ generation: number; state: string }>('dashboard-service', '/api/replay/status');
    expect({ generation: after.generation, state: after.state }).toEqual({
      generation: before.generation,
      state: before.state,
    });
  });
});

async function serve(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
