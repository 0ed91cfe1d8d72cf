#!/usr/bin/env node
// `npm start`: the real stack, then the three services built and running against it. Ctrl-C stops the
// services cleanly (SIGTERM, so they leave their consumer groups); the stack keeps running for the next start.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bootstrapServers, brokerCountFor } from '../local-stack/lib/kafka.mjs';
import { issuerUrl } from '../local-stack/lib/keycloak.mjs';
import { repoRoot } from '../local-stack/lib/settings.mjs';

const services = [
  { name: 'user-service', port: 3001, database: 'user_service' },
  { name: 'email-service', port: 3002, database: 'email_service' },
  { name: 'dashboard-service', port: 3003, database: 'dashboard_service' },
];

function runOrExit(command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

runOrExit(process.execPath, [join(repoRoot, 'tools/local-stack/cli.mjs'), 'up']);
// The cluster the stack now runs: one broker by default, three after `stack:up -- --brokers 3` or with
// LOCAL_STACK_BROKERS=3; the services bootstrap from every node, so losing any one of them is survivable.
const kafkaBrokers = bootstrapServers(brokerCountFor(undefined)).join(',');
runOrExit(join(repoRoot, 'node_modules/.bin/nx'), [
  'run-many',
  '-t',
  'build',
  '-p',
  ...services.map((s) => s.name),
  '--outputStyle=static',
]);

let stopping = false;
const children = new Map();
// A service that dies is started again, as Kubernetes would (`kill -9` one during a burst: nothing is lost, its
// consumer group picks up where it committed); one that dies again and again within seconds of starting (a bad
// config, a port taken) stops the platform instead of looping.
const QUICK_EXIT_MS = 10_000;
const MAX_QUICK_EXITS = 3;

function launch(service, quickExits = 0) {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [join(repoRoot, 'apps', service.name, 'dist', 'main.js')], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      KAFKA_BROKERS: kafkaBrokers,
      SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7',
      DATABASE_URL: `postgresql://${service.database}:${service.database}@127.0.0.1:5432/${service.database}`,
      SMTP_HOST: 'localhost',
      SMTP_PORT: '1025',
      LOG_LEVEL: 'info',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // The same as SERVICE_NODE_OPTIONS in libs/testing (see there why), which the Dockerfiles are checked against.
      NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning --max-semi-space-size=4',
      ...process.env,
      PORT: String(service.port),
    },
  });
  children.set(service.name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const quick = Date.now() - startedAt < QUICK_EXIT_MS ? quickExits + 1 : 0;
    if (quick >= MAX_QUICK_EXITS) {
      console.error(`[start] ${service.name} exited (${signal ?? code}) ${quick} times right after starting; stopping`);
      stop(1);
      return;
    }
    console.error(`[start] ${service.name} exited (${signal ?? code}); starting it again`);
    setTimeout(() => !stopping && launch(service, quick), 1000);
  });
}
services.forEach((service) => launch(service));

async function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services (the stack keeps running; `npm run stack:down` stops it)');
  const running = [...children.values()].filter((child) => child.exitCode === null && child.signalCode === null);
  const exits = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGTERM');
  await Promise.race([Promise.all(exits), delay(15_000)]);
  process.exit(exitCode);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function ready(service) {
  for (let attempt = 0; attempt < 240 && !stopping; attempt++) {
    const ok = await fetch(`http://localhost:${service.port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await delay(250);
  }
  throw new Error(`${service.name} did not become ready (GET /health/ready) on port ${service.port}`);
}

// A few users so the dashboard and the mail sink show something at once. Their addresses are fixed, so a
// second `npm start` gets 409s for them, which is fine: the demo data is already there.
const demoUsers = [
  { email: 'ada@example.com', name: 'Ada Lovelace', locale: 'en' },
  { email: 'grace@example.com', name: 'Grace Hopper', locale: 'en-US' },
  { email: 'emmy@example.com', name: 'Emmy Noether', locale: 'de' },
  { email: 'marie@example.com', name: 'Marie Curie', locale: 'fr' },
  { email: 'ines@example.com', name: 'Inés Suárez', locale: 'es' },
];

// The realm's demo users (deploy/keycloak/kafka-platform-realm.json) and what each may do.
const DEMO_LOGINS = [
  ['ada', 'admin: everything, including sent mails and replay'],
  ['vera', 'users:read: list users, names on the dashboard'],
  ['sam', 'no role: own record only (after signing up as sam@example.com), names masked'],
];

const tokenCommand = (user) =>
  `curl -s -d grant_type=password -d client_id=platform-cli -d username=${user} -d password=${user}-demo-password ` +
  `${issuerUrl}/protocol/openid-connect/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token'`;

async function demoToken(user) {
  const response = await fetch(`${issuerUrl}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'platform-cli',
      username: user,
      password: `${user}-demo-password`,
    }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()).access_token;
}

async function createDemoUsers() {
  for (const user of demoUsers) {
    const response = await fetch('http://localhost:3001/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const outcome =
      response.status === 201 ? 'created' : response.status === 409 ? 'already there' : `HTTP ${response.status}`;
    console.log(`[start]   demo user ${user.email.padEnd(20)} ${outcome}`);
  }
}

try {
  await Promise.all(services.map(ready));
  await createDemoUsers();
  console.log('\n[start] platform running:');
  console.log(
    `[start]   ${'users API'.padEnd(18)} http://localhost:3001/users   (API docs: http://localhost:9001/docs)`,
  );
  console.log(`[start]   ${'sent emails'.padEnd(18)} http://localhost:3002/emails   (role admin)`);
  console.log(`[start]   ${'dashboard'.padEnd(18)} http://localhost:3003/   (signs you in at the provider)`);
  console.log(`[start]   ${'captured mail'.padEnd(18)} http://localhost:8025/api/v1/messages`);
  console.log(`[start]   ${'OIDC issuer'.padEnd(18)} ${issuerUrl}`);
  console.log(`[start]   ${'health'.padEnd(18)} /health/live, /health/ready on each service (no token)`);
  console.log(`[start]   ${'metrics'.padEnd(18)} http://localhost:9001/metrics, :9002, :9003 (management ports)`);
  console.log('[start] Demo logins (development realm only):');
  for (const [user, roles] of DEMO_LOGINS) console.log(`[start]   ${user.padEnd(6)} ${user}-demo-password   ${roles}`);
  console.log('[start] A token, and a call with it (tokens live 5 minutes):');
  console.log(`[start]   TOKEN=$(${tokenCommand('vera')})`);
  console.log('[start]   curl localhost:3001/users -H "Authorization: Bearer $TOKEN"');
  const token = await demoToken('vera').catch((error) => `(no token: ${error.message})`);
  console.log(`[start] Ready-made, as vera: curl localhost:3001/users -H "Authorization: Bearer ${token}"`);
  console.log('[start] Sign up (public, 10 per minute per address):');
  console.log('[start]   curl -X POST localhost:3001/users -H "content-type: application/json" \\');
  console.log(`[start]        -d '{"email":"you@example.com","name":"You","locale":"de"}'`);
  console.log('[start] Ctrl-C stops the services.');
} catch (error) {
  console.error(`[start] ${error.message}`);
  await stop(1);
}
