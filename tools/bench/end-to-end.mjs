#!/usr/bin/env node
// The end-to-end benchmark on its own, for development (the flag silences a kafkajs warning, as `npm run bench`):
//   node --disable-warning=TimeoutNegativeWarning tools/bench/end-to-end.mjs [--quick] [--rates 50,200] [--duration 20]
//     [--profile <dir>]   (CPU profiles of the services over each rate's load window)
// Needs the local stack up and the services built (`npm run build`). Prints the markdown table and writes the JSON
// to tools/bench/results/end-to-end-<timestamp>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { endToEndTable, runEndToEnd } from './lib/end-to-end.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const log = (message) => process.stderr.write(`[end-to-end] ${message}\n`);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rates: { type: 'string' },
    duration: { type: 'string' },
    // CPU profiles of the three services over each rate's load window, written to this directory.
    profile: { type: 'string' },
  },
});
const FULL = { rates: [50, 200, 500, 1000], durationSeconds: 20 };
const QUICK = { rates: [20], durationSeconds: 3 };
const plan = { ...(values.quick ? QUICK : FULL) };
if (values.rates) plan.rates = values.rates.split(',').map(Number);
if (values.duration) plan.durationSeconds = Number(values.duration);
if (!plan.rates.every((rate) => rate > 0) || !(plan.durationSeconds > 0)) {
  log('usage: end-to-end.mjs [--quick] [--rates 50,200] [--duration 20]');
  process.exit(2);
}

// Ctrl-C stops between steps, so the service processes and throw-away databases still go.
const abort = new AbortController();
process.once('SIGINT', () => abort.abort(new Error('interrupted')));
process.once('SIGTERM', () => abort.abort(new Error('terminated')));

try {
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  const result = await runEndToEnd({ ...plan, env: process.env, log, signal: abort.signal, profileDir });
  const mode = values.quick ? 'quick' : values.rates || values.duration ? 'custom' : 'full';
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `end-to-end-${result.startedAt.replace(/[:.]/g, '-')}${mode === 'full' ? '' : `-${mode}`}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ mode, ...result }, null, 2)}\n`);
  process.stdout.write(`${endToEndTable(result)}\n`);
  log(`results: ${relative(repoRoot, file)}`);
} catch (error) {
  log(`failed: ${error.stack ?? error}`);
  process.exitCode = 1;
}
