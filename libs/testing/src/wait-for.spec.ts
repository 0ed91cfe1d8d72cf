import { uniqueName, waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value the probe yields', async () => {
    let calls = 0;
    await expect(waitFor('third call', () => (++calls >= 3 ? calls : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('times out naming the condition and the last error', async () => {
    await expect(
      waitFor(
        'a broker',
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('Timed out after 30 ms waiting for a broker (last: connection refused)');
  });

  it('makes distinct names', () => {
    expect(uniqueName('t')).toMatch(/^t-[0-9a-f]{8}$/);
    expect(uniqueName('t')).not.toBe(uniqueName('t'));
  });
});
