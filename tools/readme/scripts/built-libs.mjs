// The generators read the BUILT libraries (libs/*/dist), as a service would: what they document is what runs.
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');

/** The exports of libs/<lib>/dist, or an error that says how to build it. */
export function loadBuiltLib(lib) {
  try {
    return createRequire(import.meta.url)(join(repoRoot, 'libs', lib, 'dist', 'index.js'));
  } catch (error) {
    throw new Error(`cannot load libs/${lib}/dist (run: npx nx run ${lib}:build): ${error.message}`);
  }
}
