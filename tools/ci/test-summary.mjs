#!/usr/bin/env node
// Adds up Jest's "Tests:" lines from a test log into one plain closing line, "Tests: N passed, N failed",
// so a CI reader sees the whole run's count without reading every project's report.
import { readFileSync } from 'node:fs';

const log = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const line of log.split('\n')) {
  if (!line.startsWith('Tests:')) continue;
  for (const [, count, kind] of line.matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(count);
}
console.log(
  `Tests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
);
if (totals.passed + totals.failed === 0) {
  console.error('No test ran.');
  process.exitCode = 1;
}
