import { existsSync, readFileSync } from 'node:fs';
import { RESULTS_FILE } from './report';
import type { FaultRow } from './report';

/** Prints the faults' table once every test ran (Jest's global teardown). */
export default function printTable(): void {
  if (!existsSync(RESULTS_FILE)) return;
  const rows = readFileSync(RESULTS_FILE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRow);
  const header = [
    'fault',
    'sent',
    'delivered',
    'duplicates',
    'resent (same Message-ID)',
    'dead-lettered',
    'time to recover',
    'notes',
  ];
  const cells = rows.map((row) => [
    row.fault,
    String(row.sent),
    String(row.delivered),
    String(row.duplicates),
    String(row.resent),
    String(row.deadLettered),
    `${row.recoverySeconds} s`,
    row.notes ?? '',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]?.length ?? 0)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(
    ['\nFault suite results', line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join(
      '\n',
    ),
  );
}
