import { readdirSync, readFileSync } from 'node:fs';
import { PlatformUnderTest, testNamespace } from '@kafka-platform/testing';

/** The pids of the processes whose KAFKA_NAMESPACE starts with `prefix` (Linux: /proc/<pid>/environ). */
function servicesOf(prefix: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
        return env.some((entry) => entry.startsWith(`KAFKA_NAMESPACE=${prefix}`));
      } catch {
        return false; // ended meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe('the platform under test, when a service cannot start', () => {
  const prefix = testNamespace('startfail');
  afterAll(() => {
    // Without the fix the services that started would outlive the test and hold the run open.
    for (const pid of servicesOf(prefix)) process.kill(pid, 'SIGKILL');
  });

  it('says so at once and stops the services that did start (an e2e run once hung on them after a failed start)', async () => {
    const started = Date.now();
    // Only the email-service reads SMTP_PORT: the user-service and the dashboard-service start.
    await expect(
      PlatformUnderTest.start({ namespacePrefix: prefix, env: { SMTP_PORT: 'not-a-port' } }),
    ).rejects.toThrow(/^email-service exited 1:[\s\S]*SMTP_PORT/);
    // The exit is noticed when it happens, not when the minute allowed for readiness is over.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(servicesOf(prefix)).toEqual([]);
  });
});
