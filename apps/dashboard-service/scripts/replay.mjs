#!/usr/bin/env node
// Rebuilds the dashboard's read model from the start of user-events and checks it comes back the same.
//
//   npm run replay:dashboard            (DASHBOARD_URL defaults to http://localhost:3003)
//
// Reads the stats, asks the service to replay (POST /api/replay: offsets of its consumer group back to the
// earliest record, projections and inbox emptied), waits until the group has caught up (lag 0) and the stats
// have settled, prints before and after, and exits 0 when the rebuilt projection equals the one before,
// 1 when it differs or the replay could not run. Events published meanwhile make a difference by design.
// Plain Node (>= 18), no dependencies.

const base = (process.env.DASHBOARD_URL ?? 'http://localhost:3003').replace(/\/+$/, '');
const timeoutMs = Number(process.env.REPLAY_TIMEOUT_MS ?? 300_000);
const POLL_MS = 500;
// Stats that have not changed over this many polls in a row count as settled.
const SETTLED_POLLS = 4;
const COMPARED = ['totalUsers', 'created', 'deleted', 'signupsPerDay', 'usersPerLocale', 'recentSignups'];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(method, path) {
  const response = await fetch(`${base}${path}`, { method, headers: { accept: 'application/json' } });
  const body = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${body}`);
  return JSON.parse(body);
}

const projection = (stats) => Object.fromEntries(COMPARED.map((key) => [key, stats[key]]));
const same = (a, b) => JSON.stringify(projection(a)) === JSON.stringify(projection(b));

function summary(stats) {
  const locales = stats.usersPerLocale.map(({ locale, count }) => `${locale}=${count}`).join(' ') || '-';
  return (
    `users ${stats.totalUsers}, created ${stats.created}, deleted ${stats.deleted}, ` +
    `${stats.signupsPerDay.length} signup day(s), ${stats.recentSignups.length} recent signup(s), locales ${locales}`
  );
}

async function until(description, deadline, probe) {
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await sleep(POLL_MS);
  }
}

async function main() {
  const deadline = Date.now() + timeoutMs;
  console.log(`dashboard at ${base}`);
  const shown = await call('GET', '/api/stats');
  console.log(`stats now:    ${summary(shown)}`);

  // The service reads "before" with its consumer paused, right before the reset: the exact starting point.
  const { replayId, before } = await call('POST', '/api/replay');
  console.log(`replay ${replayId} started`);
  console.log(`before:       ${summary(before)}`);

  let lastLag;
  await until('the consumer group to catch up', deadline, async () => {
    const status = await call('GET', '/api/replay/status');
    if (status.lag !== lastLag) console.log(`  lag ${status.lag} (${status.state})`);
    lastLag = status.lag;
    return status.replayId === replayId && status.state === 'idle' && status.lag === 0;
  });

  let previous;
  let unchanged = 0;
  const after = await until('the stats to settle', deadline, async () => {
    const stats = await call('GET', '/api/stats');
    unchanged = previous && same(previous, stats) ? unchanged + 1 : 0;
    previous = stats;
    return same(stats, before) || unchanged >= SETTLED_POLLS ? stats : undefined;
  });
  console.log(`after:        ${summary(after)}`);

  const differing = COMPARED.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  if (differing.length === 0) {
    console.log('rebuilt projection equals the one before the replay');
    return 0;
  }
  console.log(`rebuilt projection DIFFERS in: ${differing.join(', ')}`);
  for (const key of differing) {
    console.log(`  ${key} before: ${JSON.stringify(before[key])}`);
    console.log(`  ${key} after:  ${JSON.stringify(after[key])}`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`replay failed: ${error.message}`);
    process.exit(1);
  },
);
