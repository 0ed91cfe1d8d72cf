// Processes the stack starts are tracked by pid files and recognised by a marker in their command line
// (the stack directory), so `down` never stops anything it did not start, even if a pid was reused.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { paths, stackDir } from './settings.mjs';

export class StackError extends Error {}

export const logFile = (name) => join(paths.logs, `${name}.log`);
const pidFile = (name) => join(paths.run, `${name}.pid`);

function commandLineOf(pid) {
  try {
    if (existsSync(`/proc/${pid}/cmdline`)) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

/** The pid of a running process this stack started under `name`, or undefined. */
export function runningPid(name) {
  if (!existsSync(pidFile(name))) return undefined;
  const pid = Number(readFileSync(pidFile(name), 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return commandLineOf(pid).includes(stackDir) ? pid : undefined;
}

/** Starts a long-running process detached from this one, with its output appended to its log file. */
export function startDetached(name, command, args, { env = {}, cwd } = {}) {
  mkdirSync(paths.run, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const out = openSync(logFile(name), 'a');
  writeFileSync(out, `\n--- ${new Date().toISOString()} starting ${name}\n`);
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after the grace period. Returns false when nothing of ours was running. */
export async function stopProcess(name, graceMs = 30_000) {
  const pid = runningPid(name);
  rmSync(pidFile(name), { force: true });
  if (!pid) return false;
  process.kill(-pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(200);
  if (alive(pid)) process.kill(-pid, 'SIGKILL');
  while (alive(pid)) await sleep(100);
  return true;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; `failFast` returning a message aborts early. */
export async function waitUntil(what, probe, { timeoutMs, intervalMs = 500, failFast } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    const why = failFast?.();
    if (why) throw new StackError(`${what}: ${why}`);
    try {
      const result = await probe();
      if (result) return result;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new StackError(
        `${what}: not ready after ${timeoutMs / 1000}s${lastError ? ` (${lastError.message})` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** True when something accepts TCP connections on the port (IPv4 loopback). */
export function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function tail(file, lines = 30) {
  try {
    const text = await readFile(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log yet)';
  }
}

/** Runs a command to completion, failing with its output when it exits non-zero. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', (error) => reject(error));
    child.once('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new StackError(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`)),
    );
  });
}
