import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const script = join(root, 'tools/readme/scripts/generate-event-table.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

describe('the per-event table (docs/events.md)', () => {
  it('is what the catalog, the handlers and the tests generate (npm run generate:event-docs)', () => {
    const result = run('--check');
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file', () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'event-table-')), 'events.md');
    writeFileSync(stale, readFileSync(join(root, 'docs/events.md'), 'utf8').replace('(v2)', '(v1)'));
    const result = run('--check', '--out', stale);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/stale: run npm run generate:event-docs/);
  });

  it('names every event of the catalog with its handlers', () => {
    const table = readFileSync(join(root, 'docs/events.md'), 'utf8');
    for (const event of ['new_user', 'user_updated', 'user_deleted']) expect(table).toContain(`| \`${event}\``);
    expect(table).toContain('(../apps/email-service/src/welcome-mail/new-user.handler.ts) (v3)');
  });
});
