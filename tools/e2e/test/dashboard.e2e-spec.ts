import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEMO_USERS,
  PlatformUnderTest,
  audienceMapper,
  freePort,
  registerTestClient,
  stackEndpoints,
  uniqueName,
} from '@kafka-platform/testing';
import type { DemoUser, TestClient } from '@kafka-platform/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

// Debian's chromium (installed by .ci/run); CHROMIUM_PATH points elsewhere on other machines.
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const artifacts = join(__dirname, '..', 'artifacts');

const issuer = stackEndpoints().oidcIssuerUrl;

describe('the dashboard page in headless Chromium, signed in at the real identity provider', () => {
  let platform: PlatformUnderTest;
  let browser: Browser;
  let client: TestClient;

  beforeAll(async () => {
    // The page runs on a port of the test's own: a client of the realm with exactly its redirect URI and origin,
    // as the realm's `dashboard` client has for http://localhost:3003.
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    client = await registerTestClient({
      clientId: uniqueName('dashboard-e2e'),
      publicClient: true,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      redirectUris: [`${origin}/*`],
      webOrigins: [origin],
      attributes: { 'pkce.code.challenge.method': 'S256' },
      protocolMappers: [audienceMapper('dashboard-service')],
    });
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start({
        env: { DASHBOARD_OIDC_CLIENT_ID: client.clientId },
        ports: { 'dashboard-service': port },
      }),
      chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await client?.remove();
  });

  /** Opens the page, which sends the browser to the provider's login form; signs in there as `user`. */
  async function signedIn(user: DemoUser): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(platform.services['dashboard-service'].url);
    await page.waitForURL((url) => url.href.startsWith(issuer), { timeout: 15_000 });
    await page.locator('#username').fill(user);
    await page.locator('#password').fill(DEMO_USERS[user].password);
    await page.locator('#kc-login').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="connection"]')?.textContent === 'live',
      undefined,
      {
        timeout: 20_000,
      },
    );
    return page;
  }

  it('asks for a login, then shows a sign-up on the live counters without a reload, names visible to users:read', async () => {
    const page = await signedIn('vera');
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    // Every request the page makes goes to the service or the identity provider: the page works without internet.
    const foreign: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(platform.services['dashboard-service'].url) && !url.startsWith(issuer)) foreign.push(url);
    });
    expect(await page.getByTestId('viewer').textContent()).toBe('vera');
    const total = page.getByTestId('stat-total');
    const before = Number(await total.textContent());

    const name = uniqueName('Browser');
    await platform.createUser({ email: `${name.toLowerCase()}@example.com`, name });
    await page.waitForFunction(
      (expected) => document.querySelector('[data-testid="stat-total"]')?.textContent === String(expected),
      before + 1,
      { timeout: 15_000 },
    );
    await page.getByTestId('recent-signups').getByText(name).waitFor({ timeout: 5_000 });
    await page.getByTestId('events-feed').getByText('new_user').first().waitFor({ timeout: 5_000 });

    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    expect(Number(await total.textContent())).toBe(before + 1);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('masks the names for a viewer without users:read', async () => {
    const name = uniqueName('Masked');
    await platform.createUser({ email: `${name.toLowerCase()}@example.com`, name });
    const page = await signedIn('sam');
    expect(await page.getByTestId('viewer').textContent()).toBe('sam (names masked)');
    await page.getByTestId('recent-signups').getByText(`${name[0]}***`).first().waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('recent-signups').textContent()).not.toContain(name);
  });
});
