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

async function live(service) {
  for (let attempt = 0; attempt < 120 && !stopping; attempt++) {
    const ok = await fetch(`http://localhost:${service.port}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await delay(250);
  }
  throw new Error(`${service.name} did not answer /health/live on port ${service.port}`);
}

try {
  await Promise.all(services.map(live));
  console.log('\n[start] platform running:');
  for (const service of services) console.log(`[start]   ${service.name.padEnd(18)} http://localhost:${service.port}`);
  console.log(`[start]   ${'captured mail'.padEnd(18)} http://localhost:8025/api/v1/messages`);
  console.log('[start] Ctrl-C stops the services.');
} catch (error) {
  console.error(`[start] ${error.message}`);
  await stop(1);
}
