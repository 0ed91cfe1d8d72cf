#!/usr/bin/env node
// Rebuilds the dashboard's read model from the start of user-events into a new generation and switches to it.
//
//   npm run replay:dashboard            (DASHBOARD_URL defaults to http://localhost:3003)
//
// Asks the service to replay (POST /api/replay answers at once with the generation being built), then follows
// GET /api/replay/status, printing the rebuild's lag and the events applied as they move, until the service has
// switched to the new generation (exit 0) or refused it because its stats differ from the live one's (exit 1,
// with the difference). The dashboard keeps serving the current generation meanwhile, and keeps counting new
// events; any replica can be asked. Exits 1 too when the replay cannot start (409: one runs already) or the
// timeout (REPLAY_TIMEOUT_MS, default 300000) passes. Plain Node (>= 18), no dependencies.
//
// Replay needs the role admin: ACCESS_TOKEN is the operator's bearer token. Without it the script signs in at the
// local stack's Keycloak (OIDC_ISSUER_URL) as its demo admin, which only a development realm has.

const base = (process.env.DASHBOARD_URL ?? 'http://localhost:3003').replace(/\/+$/, '');
const issuer = (process.env.OIDC_ISSUER_URL ?? 'http://localhost:8180/realms/kafka-platform').replace(/\/+$/, '');
const timeoutMs = Number(process.env.REPLAY_TIMEOUT_MS ?? 300_000);
const POLL_MS = 500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${body}`);
    this.status = status;
  }
}

let token = process.env.ACCESS_TOKEN;

async function demoAdminToken() {
  const response = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'platform-cli',
      username: 'ada',
      password: 'ada-demo-password',
    }),
  });
  if (!response.ok)
    throw new Error(`no ACCESS_TOKEN, and the demo admin's sign-in at ${issuer} answered ${response.status}`);
  return (await response.json()).access_token;
}

async function call(method, path) {
  token ??= await demoAdminToken();
  const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
  const response = await fetch(`${base}${path}`, { method, headers });
  const body = await response.text();
  if (!response.ok) throw new HttpError(method, path, response.status, body);
  return JSON.parse(body);
}

function summary(stats) {
  const locales = stats.usersPerLocale.map(({ locale, count }) => `${locale}=${count}`).join(' ') || '-';
  return (
    `users ${stats.totalUsers}, created ${stats.created}, deleted ${stats.deleted}, ` +
    `${stats.signupsPerDay.length} signup day(s), ${stats.recentSignups.length} recent signup(s), locales ${locales}`
  );
}

/** The status of `generation` once it is no longer being built; prints progress meanwhile. */
async function finished(generation, deadline) {
  let last;
  for (;;) {
    // A 503 (Kafka or the database briefly away) is worth another look, not a failed replay.
    const status = await call('GET', '/api/replay/status').catch((error) => {
      if (error.status === 503) return undefined;
      throw error;
    });
    if (status?.generation === generation && status.state !== 'building') return status;
    const progress = status && `lag ${status.lag ?? '?'}, ${status.applied ?? 0} event(s) applied`;
    if (progress && progress !== last) console.log(`  building: ${progress}`);
    last = progress ?? last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; the rebuild goes on in the service`);
    await sleep(POLL_MS);
  }
}

async function main() {
  const deadline = Date.now() + timeoutMs;
  console.log(`dashboard at ${base}`);
  console.log(`stats now:    ${summary(await call('GET', '/api/stats'))}`);
  const { generation } = await call('POST', '/api/replay');
  console.log(`replay started: building generation ${generation} beside the live one`);

  const status = await finished(generation, deadline);
  if (status.state === 'switched') {
    console.log(`switched to generation ${generation} at ${status.switchedAt}: ${status.applied} event(s) applied`);
    console.log(`stats after:  ${summary(await call('GET', '/api/stats'))}`);
    console.log('the rebuilt projection equals the live one: switched');
    return 0;
  }
  console.log(`generation ${generation} REFUSED (${status.failure?.code}): ${status.failure?.message}`);
  for (const { field, live, rebuilt } of status.failure?.difference ?? []) {
    console.log(`  ${field} live:    ${JSON.stringify(live)}`);
    console.log(`  ${field} rebuilt: ${JSON.stringify(rebuilt)}`);
  }
  console.log(`the dashboard keeps serving generation ${status.liveGeneration}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`replay failed: ${error.message}`);
    process.exit(1);
  },
);
