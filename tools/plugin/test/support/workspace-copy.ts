// A throw-away copy of this workspace to run a generator in, as a user would in their fork: every tracked (and new,
// not ignored) file, node_modules shared through symlinks. The copy has its own Nx cache and workspace data and
// runs without the daemon, so nothing it does reaches the real workspace's Nx state.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..', '..');

export interface CommandResult {
  readonly status: number | null;
  readonly output: string;
}

export interface WorkspaceCopy {
  readonly root: string;
  /** Runs a command in the copy (no shell); never throws, so a test can show the output of what failed. */
  run(command: string, args: readonly string[]): CommandResult;
  /** Runs an Nx command of the copy's own node_modules/.bin. */
  nx(...args: string[]): CommandResult;
  remove(): void;
}

function runIn(cwd: string, env: NodeJS.ProcessEnv, command: string, args: readonly string[]): CommandResult {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}` };
}

function copyFiles(root: string): void {
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  }).stdout.split('\0');
  // Deleted but not yet committed files are listed too; tar skips nothing it cannot read, so leave them out.
  const list = files.filter((file) => file !== '' && !file.startsWith('node_modules/'));
  const pack = spawnSync('tar', ['-c', '--ignore-failed-read', '--null', '-T', '-'], {
    cwd: repoRoot,
    input: list.join('\0'),
    maxBuffer: 512 * 1024 * 1024,
  });
  const unpack = spawnSync('tar', ['-x', '-C', root], { input: pack.stdout, maxBuffer: 512 * 1024 * 1024 });
  if (unpack.status !== 0) throw new Error(`copying the workspace failed: ${unpack.stderr.toString()}`);
}

/**
 * node_modules as symlinks to the real one's entries, except our own packages (@kafka-platform/*): npm links those
 * to the workspace's folders, and the copy's must point at the copy's libs and apps, or a generated type would be
 * checked against the real workspace's unchanged libs.
 */
function linkNodeModules(root: string): void {
  const real = join(repoRoot, 'node_modules');
  const copy = join(root, 'node_modules');
  mkdirSync(join(copy, '@kafka-platform'), { recursive: true });
  for (const entry of readdirSync(real)) {
    if (entry !== '@kafka-platform') symlinkSync(join(real, entry), join(copy, entry));
  }
  for (const entry of readdirSync(join(real, '@kafka-platform'))) {
    symlinkSync(readlinkSync(join(real, '@kafka-platform', entry)), join(copy, '@kafka-platform', entry));
  }
}

export function copyWorkspace(): WorkspaceCopy {
  const root = mkdtempSync(join(tmpdir(), 'kafka-platform-generators-'));
  copyFiles(root);
  linkNodeModules(root);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_CACHE_DIRECTORY: join(root, '.nx', 'cache'),
    NX_WORKSPACE_DATA_DIRECTORY: join(root, '.nx', 'workspace-data'),
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_INTERACTIVE: 'false',
  };
  // A repository of its own, so Nx and the generators see a clean git state.
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['-c', 'user.email=test@example.com', '-c', 'user.name=test', 'commit', '-qm', 'copy'],
  ]) {
    runIn(root, env, 'git', args);
  }
  return {
    root,
    run: (command, args) => runIn(root, env, command, args),
    nx: (...args) => runIn(root, env, join(root, 'node_modules', '.bin', 'nx'), [...args, '--outputStyle=static']),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
