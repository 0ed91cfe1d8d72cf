import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { uniqueName } from '@kafka-platform/testing';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { PlatformUnderTest } from './support/platform';

// Debian's chromium (installed by .ci/run); CHROMIUM_PATH points elsewhere on other machines.
const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const artifacts = join(__dirname, '..', 'artifacts');

describe('the dashboard page in headless Chromium', () => {
  let platform: PlatformUnderTest;
  let browser: Browser;

  beforeAll(async () => {
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start(),
      chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  it('shows a sign-up on the live counters without a reload', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    // Every request the page makes must go to the service itself: the page works without internet.
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(platform.services['dashboard-service'].url)) foreign.push(request.url());
    });

    await page.goto(platform.services['dashboard-service'].url);
    const total = page.getByTestId('stat-total');
    await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live');
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
});
