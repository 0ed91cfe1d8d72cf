#!/usr/bin/env node
// A running platform, checked from outside as a user would: the three services ready, a sign-up answered 201, and
// its welcome mail in the mail catcher (user-service -> outbox -> Kafka -> email-service -> SMTP). For
// `docker compose up --wait` in the forks' CI (.github/workflows/ci.yml), and for `npm start` on the local stack.
// Addresses from USER_SERVICE_URL, EMAIL_SERVICE_URL, DASHBOARD_SERVICE_URL and MAIL_API_URL (the contract ports
// by default). Exits 1 naming the step that failed. Plain Node 20+, no dependencies.
const env = process.env;
const services = {
  'user-service': env.USER_SERVICE_URL ?? 'http://localhost:3001',
  'email-service': env.EMAIL_SERVICE_URL ?? 'http://localhost:3002',
  'dashboard-service': env.DASHBOARD_SERVICE_URL ?? 'http://localhost:3003',
};
const mailApi = (env.MAIL_API_URL ?? 'http://localhost:8025').replace(/\/+$/, '');

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const outcome = await check();
      if (outcome.ok) return outcome;
      last = outcome.why;
    } catch (error) {
      last = error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s (last: ${last})`);
}

async function ready(name, url) {
  await waitFor(
    `${name} ready (${url}/health/ready)`,
    async () => {
      const response = await fetch(`${url}/health/ready`);
      return { ok: response.ok, why: `${response.status} ${await response.text()}` };
    },
    180_000,
  );
  console.log(`[smoke] ${name} is ready`);
}

async function signUp() {
  const email = `smoke-${Date.now()}@example.com`;
  const response = await fetch(`${services['user-service']}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, name: 'Smoke Test', locale: 'en' }),
  });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`POST /users answered ${response.status}: ${body}`);
  console.log(`[smoke] POST /users: 201 for ${email}`);
  return email;
}

async function welcomeMail(email) {
  await waitFor(
    `the welcome mail to ${email} (${mailApi}/api/v1/messages)`,
    async () => {
      const response = await fetch(`${mailApi}/api/v1/messages?limit=1000`);
      const { messages = [] } = await response.json();
      const found = messages.filter((message) => message.To?.some((to) => to.Address?.toLowerCase() === email));
      return { ok: found.length === 1, why: `${found.length} mail(s) to it` };
    },
    60_000,
  );
  console.log(`[smoke] one welcome mail to ${email}`);
}

try {
  for (const [name, url] of Object.entries(services)) await ready(name, url);
  await welcomeMail(await signUp());
  console.log('[smoke] the platform works end to end');
} catch (error) {
  console.error(`[smoke] FAILED: ${error.message}`);
  process.exit(1);
}
