#!/usr/bin/env node
// `npm run test:containers`: the test suites on Testcontainers instead of the local stack, for machines with a
// Docker engine. Starts Kafka, Apicurio, PostgreSQL and Mailpit ONCE (a Jest globalSetup would start a set per
// Nx project, since each project runs its own Jest), exports their addresses to
// `nx run-many -t test --exclude=local-stack` (the local-stack project tests the local stack itself), and stops
// them afterwards, whatever the tests did. Extra arguments go to nx, e.g. `npm run test:containers -- -p kafka`.
// Endpoints already given in env win (nothing is started); TEST_STACK=local runs on the local stack instead.
// Uses libs/testing's build output (`nx run testing:build`, which the npm script runs first).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'libs', 'testing', 'dist', 'containers');
if (!existsSync(join(dist, 'start-containers.js'))) {
  console.error(`${dist}/start-containers.js is missing: run \`npx nx run testing:build\` first.`);
  process.exit(2);
}
const { resolveStack, stackLine } = await import(join(dist, 'select-stack.js'));

// This script exists to run on containers: unset TEST_STACK means containers here, and fails without Docker.
const env = { ...process.env, TEST_STACK: process.env.TEST_STACK || 'containers' };
let selection;
try {
  selection = await resolveStack(env);
} catch (error) {
  console.error(`[test-stack] ${error.message}`);
  process.exit(2);
}

let stack;
if (selection.kind === 'containers') {
  const { startContainers } = await import(join(dist, 'start-containers.js'));
  console.log('[test-stack] starting Kafka, Apicurio Registry, PostgreSQL and Mailpit with Testcontainers...');
  stack = await startContainers().catch((error) => {
    // startContainers has stopped whatever it had started.
    console.error(`[test-stack] starting the containers failed: ${error.stack ?? error}`);
    process.exit(1);
  });
  console.log(stackLine(selection, stack.summary));
} else {
  console.log(stackLine(selection));
}

const testEnv = { ...process.env, ...stack?.env };
// The Jest processes must not start containers of their own (jest.preset.cjs wires its globalSetup on TEST_STACK).
delete testEnv.TEST_STACK;
const nx = ['nx', 'run-many', '-t', 'test', '--outputStyle=static', '--exclude=local-stack', ...process.argv.slice(2)];
const child = spawn('npx', nx, { cwd: root, env: testEnv, stdio: 'inherit' });

// Ctrl-C or a CI cancel: let the tests stop, then still stop the containers.
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

const code = await new Promise((done) => {
  child.on('error', (error) => {
    console.error(`[test-stack] could not run nx: ${error.message}`);
    done(1);
  });
  child.on('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)));
});

if (stack) {
  console.log('[test-stack] stopping the containers');
  await stack.stop().catch((error) => {
    console.error(`[test-stack] ${error.message}`);
  });
}
process.exit(code);
