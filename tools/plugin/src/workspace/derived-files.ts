// The files the repository derives from the event catalog and the apps, each with a test that fails when it is
// stale. The generators run the repository's own scripts for them (npm run ...), so there is one way to write each.
import { execFileSync } from 'node:child_process';
import type { GeneratorCallback } from '@nx/devkit';

/** In order: the types first (the catalog compiles against them), then what reads the built catalog and the apps. */
export const DERIVED_FILE_SCRIPTS = [
  'generate:events',
  'generate:k8s-topics',
  'generate:event-docs',
  'generate:asyncapi',
] as const;

/** Runs after Nx has written the generator's files to disk: the scripts read the disk, not the generator's tree. */
export function regenerateDerivedFiles(root: string): GeneratorCallback {
  return () => {
    for (const script of DERIVED_FILE_SCRIPTS) {
      execFileSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
    }
  };
}
