#!/usr/bin/env node
// `npm start`: the real stack, then the three services built and running against it. Ctrl-C stops the
// services cleanly (SIGTERM, so they leave their consumer groups); the stack keeps running for the next start.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
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
runOrExit(join(repoRoot, 'node_modules/.bin/nx'), [
  'run-many',
  '-t',
  'build',
  '-p',
  ...services.map((s) => s.name),
  '--outputStyle=static',
]);

let stopping = false;
const children = services.map((service) => {
  const child = spawn(process.execPath, [join(repoRoot, 'apps', service.name, 'dist', 'main.js')], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: {
      KAFKA_BROKERS: 'localhost:9092',
      SCHEMA_REGISTRY_URL: 'http://localhost:8081/apis/ccompat/v7',
      DATABASE_URL: `postgresql://${service.database}:${service.database}@127.0.0.1:5432/${service.database}`,
      SMTP_HOST: 'localhost',
      SMTP_PORT: '1025',
      LOG_LEVEL: 'info',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning',
      ...process.env,
      PORT: String(service.port),
    },
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${service.name} exited (${signal ?? code}); stopping the others`);
      stop(1);
    }
  });
  return child;
});

async function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services (the stack keeps running; `npm run stack:down` stops it)');
  const exits = children.map((child) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((r) => child.once('exit', r)),
  );
  for (const child of children) child.kill('SIGTERM');
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
    `[start]   ${'users API'.padEnd(18)} http://localhost:3001/users   (OpenAPI: http://localhost:3001/docs)`,
  );
  console.log(`[start]   ${'sent emails'.padEnd(18)} http://localhost:3002/emails`);
  console.log(`[start]   ${'dashboard'.padEnd(18)} http://localhost:3003/`);
  console.log(`[start]   ${'captured mail'.padEnd(18)} http://localhost:8025/api/v1/messages`);
  console.log(`[start]   ${'health, metrics'.padEnd(18)} /health/live, /health/ready, /metrics on each service`);
  console.log('[start] Try: curl -X POST localhost:3001/users -H "content-type: application/json" \\');
  console.log(`[start]        -d '{"email":"you@example.com","name":"You","locale":"de"}'`);
  console.log('[start] Ctrl-C stops the services.');
} catch (error) {
  console.error(`[start] ${error.message}`);
  await stop(1);
}
