import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PlatformUnderTest, uniqueName, waitFor } from '@kafka-platform/testing';

const cli = join(__dirname, '../../local-stack/cli.mjs');
const stack = (...args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { timeout: 200_000 });

const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);

// Stops the real broker, so it runs in the e2e target, which runs alone (see `npm test`).
describe('a Kafka outage under the running platform', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start();
  }, 120_000);
  afterAll(async () => {
    await stack('up', 'kafka'); // whatever happened, leave the broker running for the next suites
    await platform?.close();
  }, 240_000);

  it('keeps accepting users while Kafka is down, keeps their events pending, and drains them when it returns', async () => {
    const users = platform.services['user-service'];
    await stack('down', 'kafka');

    for (let i = 0; i < 2; i++) {
      const email = `${uniqueName('outage')}@example.com`;
      await platform.createUser({ email, name: `Outage ${i}` });
    }
    const during = await (await fetch(`${users.managementUrl}/metrics`)).text();
    // Two rows per sign-up: the user's data key (user-keys, crypto-shredding) and new_user.
    expect(metric(during, 'outbox_pending_rows')).toBe(4);
    // The API stays in service: the outbox is what keeps the events while Kafka is away.
    expect((await fetch(`${users.url}/health/ready`)).status).toBe(200);
    await waitFor('the email-service to report its consumer not running', async () => {
      const ready = await fetch(`${platform.services['email-service'].url}/health/ready`);
      return ready.status === 503;
    });

    await stack('up', 'kafka');
    await waitFor(
      'the outbox to drain',
      async () => metric(await (await fetch(`${users.managementUrl}/metrics`)).text(), 'outbox_pending_rows') === 0,
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    await waitFor(
      'the dashboard to count both users',
      async () => (await platform.json<{ totalUsers: number }>('dashboard-service', '/api/stats')).totalUsers === 2,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }, 240_000);
});
