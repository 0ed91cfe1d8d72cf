// The command line every generator of a committed file shares: write it, or with --check fail when the committed
// copy is stale (tests and CI), or with --out write/check another path (tests).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

async function readIfPresent(file) {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * @param {{ name: string, file: string, generate: () => Promise<string>, stale: (out: string) => string }} generator
 */
export function runGenerator({ name, file, generate, stale }) {
  const main = async () => {
    const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, out: { type: 'string' } } });
    const out = values.out === undefined ? file : resolve(values.out);
    const text = await generate();
    if (values.check) {
      if ((await readIfPresent(out)) === text) return;
      console.error(stale(out));
      process.exitCode = 1;
      return;
    }
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
    console.log(`Wrote ${out}`);
  };
  main().catch((error) => {
    console.error(`${name}: ${error.message}`);
    process.exitCode = 1;
  });
}
