#!/usr/bin/env node
// The local stack: real Apache Kafka (KRaft), Apicurio Registry on PostgreSQL, the machine's PostgreSQL and an
// SMTP sink, started as plain processes from Maven Central artifacts and npm packages.
//
//   node tools/local-stack/cli.mjs up|down|status|logs|reset [kafka|registry|mail|kafka-secure ...]
//
// Without names, up/status/logs cover the stack (kafka, registry, mail); down and reset also stop the opt-in
// kafka-secure broker (SASL_SSL on 9094, configured from LOCAL_STACK_SECURE_* env: see lib/kafka-secure.mjs).
import { rmSync } from 'node:fs';
import { kafkaComponent } from './lib/kafka.mjs';
import { kafkaSecureComponent } from './lib/kafka-secure.mjs';
import { mailComponent } from './lib/mail.mjs';
import { ensurePostgres, postgresAnswers, resetDatabases } from './lib/postgres.mjs';
import { logFile, portInUse, runningPid, StackError, stopProcess, tail, waitUntil } from './lib/processes.mjs';
import { registryComponent } from './lib/registry.mjs';
import { paths, postgres, stackDir } from './lib/settings.mjs';

// kafkajs 2.2.4 schedules a negative timeout on Node 24 (tulios/kafkajs#1751): harmless, but noisy.
process.removeAllListeners('warning').on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
});

const all = [kafkaComponent, registryComponent, mailComponent, kafkaSecureComponent];
const stack = all.filter((component) => !component.optIn);
const log = (message) => console.log(`[stack] ${message}`);
const isRunning = (component) => component.processes.every((name) => runningPid(name));

function select(names, command) {
  if (names.length === 0) return ['down', 'reset'].includes(command) ? all : stack;
  return names.map((name) => {
    const component = all.find((c) => c.key === name);
    if (!component)
      throw new StackError(`Unknown component "${name}"; use one of: ${all.map((c) => c.key).join(', ')}`);
    return component;
  });
}

async function refuseTakenPorts(components) {
  const taken = [];
  for (const component of components) {
    for (const [port, what] of component.ports) if (await portInUse(port)) taken.push(`${port} (${what})`);
  }
  if (taken.length > 0) {
    throw new StackError(
      `Port ${taken.join(', ')} already in use by a process this stack did not start. Stop that process or free the port, then run stack:up again.`,
    );
  }
}

async function waitReady(component) {
  const died = () => component.processes.some((name) => !runningPid(name));
  try {
    await waitUntil(component.key, component.answers, {
      timeoutMs: component.timeoutMs,
      failFast: () => (died() ? 'its process exited' : undefined),
    });
  } catch (error) {
    throw new StackError(
      `${error.message}\n--- last log lines of ${component.key}:\n${await component.explainExit(component.processes[0])}`,
    );
  }
  await component.afterReady?.();
}

async function up(components) {
  const toStart = components.filter((c) => !isRunning(c));
  // Nothing half-started: every check and download happens before the first process starts.
  for (const component of toStart) await component.prepare?.(log);
  const usesPostgres = components.some((component) => !component.standalone);
  if (usesPostgres) await ensurePostgres(log);
  await refuseTakenPorts(toStart);
  try {
    for (const component of toStart) {
      log(`starting ${component.key}`);
      await component.start(log);
    }
    await Promise.all(components.map(waitReady));
  } catch (error) {
    for (const component of toStart) for (const name of component.processes) await stopProcess(name, 10_000);
    throw error;
  }
  log(`ready${toStart.length === 0 ? ' (was already running)' : ''}:`);
  for (const component of components) log(`  ${component.key.padEnd(12)} ${component.endpoint}`);
  if (usesPostgres)
    log(`  postgres     ${postgres.host}:${postgres.port} (databases ${postgres.databases.join(', ')})`);
  log(`logs: ${paths.logs}`);
}

async function down(components) {
  for (const component of components) {
    for (const name of component.processes) {
      if (await stopProcess(name)) log(`stopped ${name}`);
    }
    component.afterDown?.();
  }
}

async function status(components) {
  let healthy = true;
  for (const component of components) {
    const pids = component.processes.map((name) => runningPid(name));
    const answers = await component.answers().catch(() => false);
    healthy &&= Boolean(answers);
    const state = pids.every(Boolean) ? `running (pid ${pids.join(',')})` : 'not running';
    log(`${component.key.padEnd(12)} ${state}, ${answers ? 'answering' : 'not answering'}: ${component.endpoint}`);
  }
  if (components.every((component) => component.standalone)) return healthy;
  const pg = await postgresAnswers().catch(() => false);
  log(`postgres     machine server, ${pg ? 'answering' : 'not answering'}: ${postgres.host}:${postgres.port}`);
  return healthy && pg;
}

async function logs(components) {
  for (const component of components) {
    for (const name of component.processes) {
      console.log(`==> ${logFile(name)} <==\n${await tail(logFile(name), 40)}\n`);
    }
  }
}

async function reset() {
  await down(all);
  rmSync(paths.data, { recursive: true, force: true });
  rmSync(paths.config, { recursive: true, force: true });
  await resetDatabases().catch((error) => log(`could not drop the databases: ${error.message}`));
  log(`reset: Kafka data, registry schemas and the service databases are gone (${stackDir}); run stack:up`);
}

const [command, ...names] = process.argv.slice(2);
const commands = { up, down, status, logs, reset };
try {
  if (!commands[command])
    throw new StackError(`usage: cli.mjs ${Object.keys(commands).join('|')} [${all.map((c) => c.key).join('|')} ...]`);
  const result = await commands[command](select(names, command));
  process.exitCode = result === false ? 1 : 0;
} catch (error) {
  console.error(`[stack] ${error instanceof StackError ? error.message : error.stack}`);
  process.exitCode = 1;
}
