// One row per fault, appended as each test ends, printed as a table after the last one (report-table.ts).
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const RESULTS_FILE = join(__dirname, '../../artifacts/results.jsonl');

export interface FaultRow {
  readonly fault: string;
  readonly sent: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly resent: number;
  readonly deadLettered: number;
  /** From the end of the fault (the component back) until everything sent was delivered. */
  readonly recoverySeconds: number;
  readonly notes?: string;
}

export function recordFault(row: FaultRow): void {
  mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(row)}\n`);
}

/** Seconds since `since` (a Date.now()), to one decimal. */
export const secondsSince = (since: number) => Math.round((Date.now() - since) / 100) / 10;
