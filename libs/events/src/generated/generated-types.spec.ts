import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const libRoot = join(__dirname, '..', '..');
const committedFile = join(__dirname, 'event-types.generated.ts');

// Jest cannot import the .mjs generator, so the tests run it the way people and CI do: as a command.
const generate = (...args: string[]) =>
  spawnSync(process.execPath, ['scripts/generate-types.mjs', ...args], { cwd: libRoot, encoding: 'utf8' });

describe('generated event types', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'events-generated-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the committed file is what the schemas generate', () => {
    expect(generate('--check')).toMatchObject({ status: 0, stderr: '' });
  });

  it('--check fails on a stale file and says how to fix it', () => {
    const stale = join(dir, 'stale.ts');
    writeFileSync(stale, `${readFileSync(committedFile, 'utf8')}export type HandEdited = true;\n`);

    const result = generate('--check', '--out', stale);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('stale: run npm run generate:events');
  });

  it('--check fails when the file is missing', () => {
    expect(generate('--check', '--out', join(dir, 'missing.ts')).status).toBe(1);
  });

  it('writes --out byte for byte like the committed file, creating folders', () => {
    const out = join(dir, 'nested', 'event-types.ts');

    expect(generate('--out', out)).toMatchObject({ status: 0, stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(committedFile, 'utf8'));
  });
});
