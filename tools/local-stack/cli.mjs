#!/usr/bin/env node
// The local stack: real Apache Kafka (KRaft), Apicurio Registry and Keycloak on PostgreSQL, the machine's PostgreSQL
// and an SMTP sink, started as plain processes from Maven Central artifacts and npm packages.
//
//   node tools/local-stack/cli.mjs up|down|status|logs|reset [--brokers 1|3] [--with <opt-in part> ...] [kafka|registry|keycloak|mail|kafka-secure ...]
//
// `--with <part>` (repeatable) adds an opt-in part to the whole stack: `up --with connect` is the stack plus Kafka Connect.
// Without names, up/status/logs cover the stack (kafka, registry, keycloak, mail); down and reset also stop the opt-in
// kafka-secure broker (SASL_SSL on 9094, configured from LOCAL_STACK_SECURE_* env: see lib/kafka-secure.mjs).
// `--brokers 3` (or LOCAL_STACK_BROKERS=3) runs three Kafka nodes instead of one; see lib/kafka.mjs.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectComponent } from './lib/connect.mjs';
import { drComponent } from './lib/dr.mjs';
import { brokerCountFor, kafkaComponent, localClusterId } from './lib/kafka.mjs';
import { kafkaSecureComponent } from './lib/kafka-secure.mjs';
import { keycloakComponent } from './lib/keycloak.mjs';
import { mailComponent } from './lib/mail.mjs';
import { bindServiceDatabases, ensurePostgres, postgresAnswers, resetDatabases } from './lib/postgres.mjs';
import { logFile, portInUse, runningPid, StackError, stopProcess, tail, waitUntil } from './lib/processes.mjs';
import { registryComponent } from './lib/registry.mjs';
import { kafka, legacyStackDir, paths, postgres, stackDir } from './lib/settings.mjs';

// kafkajs 2.2.4 schedules a negative timeout on Node 24 (tulios/kafkajs#1751): harmless, but noisy.
process.removeAllListeners('warning').on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(warning);
});

const log = (message) => console.log(`[stack] ${message}`);
const isRunning = (component) => component.processes.every((name) => runningPid(name));

/** The stack's components, with a Kafka cluster of `brokers` nodes. */
function components(brokers) {
  const all = [
    kafkaComponent(brokers),
    registryComponent,
    keycloakComponent,
    mailComponent,
    kafkaSecureComponent,
    connectComponent(brokers),
    drComponent,
  ];
  return { all, stack: all.filter((component) => !component.optIn) };
}

function select(names, command, brokers, withParts = []) {
  // A stop covers every node a cluster of any size may have running.
  const everything = ['down', 'reset', 'pids'].includes(command);
  const { all, stack } = components(everything ? Math.max(...kafka.brokerCounts) : brokers);
  const optIn = withParts.map((part) => {
    const component = all.find((c) => c.optIn && c.key === part);
    if (!component)
      throw new StackError(
        `--with ${part}: not an opt-in part; use one of: ${all
          .filter((c) => c.optIn)
          .map((c) => c.key)
          .join(', ')}`,
      );
    return component;
  });
  if (names.length === 0) {
    if (everything) return all;
    // `status` also shows the opt-in parts that run (Kafka Connect and its connectors), asked for or not.
    const running = command === 'status' ? all.filter((c) => c.optIn && !optIn.includes(c) && isRunning(c)) : [];
    return [...stack, ...optIn, ...running];
  }
  return names.map((name) => {
    const node = /^kafka-(\d+)$/.exec(name);
    if (node && Number(node[1]) <= brokers) return kafkaComponent(brokers, [Number(node[1])]);
    const component = all.find((c) => c.key === name);
    if (!component)
      throw new StackError(
        `Unknown component "${name}"; use one of: ${all.map((c) => c.key).join(', ')}, or one Kafka node (kafka-1..kafka-${brokers})`,
      );
    return component;
  });
}

/** Ports of processes about to start that something else holds (a port may name the process it belongs to). */
async function refuseTakenPorts(components) {
  const taken = [];
  for (const component of components) {
    for (const [port, what, process] of component.ports) {
      if (process && runningPid(process)) continue;
      if (await portInUse(port)) taken.push(`${port} (${what})`);
    }
  }
  if (taken.length > 0) {
    const legacy = legacyProcesses();
    throw new StackError(
      legacy.length > 0
        ? `Port ${taken.join(', ')} already in use: the stack started from this checkout before its state moved to ${stackDir} still runs (${legacy.join(', ')}). Stop it with \`LOCAL_STACK_DIR=${legacyStackDir} npm run stack:down\`, then run stack:up again.`
        : `Port ${taken.join(', ')} already in use by a process this stack did not start. Stop that process or free the port, then run stack:up again.`,
    );
  }
}

/** Processes of the stack as it ran from the checkout (.local-stack) before its state became the machine's. */
function legacyProcesses() {
  const runDir = join(legacyStackDir, 'run');
  if (legacyStackDir === stackDir || !existsSync(runDir)) return [];
  return readdirSync(runDir).flatMap((file) => {
    const pid = Number(readFileSync(join(runDir, file), 'utf8').trim());
    const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
    return cmdline.includes(legacyStackDir) ? [`${file.replace(/\.pid$/, '')} pid ${pid}`] : [];
  });
}

async function waitReady(component) {
  const died = () => component.processes.some((name) => !runningPid(name));
  try {
    await waitUntil(component.key, component.answers, {
      timeoutMs: component.timeoutMs,
      failFast: () => (died() ? 'its process exited' : undefined),
    });
  } catch (error) {
    const failed = component.processes.find((name) => !runningPid(name)) ?? component.processes[0];
    throw new StackError(`${error.message}\n--- last log lines of ${failed}:\n${await component.explainExit(failed)}`);
  }
  await component.afterReady?.();
}

async function up(components, brokers) {
  for (const component of components) await component.beforeUp?.(log);
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
  if (components.some((component) => component.key === 'kafka')) {
    await bindServiceDatabases(localClusterId(brokers), log);
  }
  log(`ready${toStart.length === 0 ? ' (was already running)' : ''}:`);
  for (const component of components) {
    log(`  ${component.key.padEnd(12)} ${component.endpoint}`);
    for (const note of component.notes?.() ?? []) log(`  ${''.padEnd(12)} ${note}`);
  }
  if (usesPostgres)
    log(`  postgres     ${postgres.host}:${postgres.port} (databases ${postgres.databases.join(', ')})`);
  log(`logs: ${paths.logs}`);
  noteLegacyState();
}

/** Once the stack runs from the machine's state: say that the checkout's old state dir is unused. */
function noteLegacyState() {
  if (legacyStackDir !== stackDir && existsSync(join(legacyStackDir, 'data'))) {
    log(`note: ${legacyStackDir} is no longer used (the stack's state is ${stackDir}); delete it when you like`);
  }
}

async function down(components, _brokers, names) {
  for (const component of components) {
    for (const name of component.processes) {
      if (await stopProcess(name)) log(`stopped ${name}`);
    }
    component.afterDown?.();
    if (names.length === 0) component.afterFullDown?.();
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
    for (const line of (await component.statusLines?.()) ?? []) log(`  ${line}`);
  }
  if (components.every((component) => component.standalone)) return healthy;
  const pg = await postgresAnswers().catch(() => false);
  log(`postgres     machine server, ${pg ? 'answering' : 'not answering'}: ${postgres.host}:${postgres.port}`);
  log(`state: ${stackDir}`);
  return healthy && pg;
}

/** For scripts (the fault tests): the pid of every running process of the stack, as JSON. */
async function pids(components) {
  const running = components.flatMap((component) =>
    component.processes.map((name) => [name, runningPid(name)]).filter(([, pid]) => pid),
  );
  console.log(JSON.stringify(Object.fromEntries(running)));
}

async function logs(components) {
  for (const component of components) {
    for (const name of component.processes) {
      console.log(`==> ${logFile(name)} <==\n${await tail(logFile(name), 40)}\n`);
    }
  }
}

async function reset(components) {
  await down(components, undefined, []);
  rmSync(paths.data, { recursive: true, force: true });
  rmSync(paths.config, { recursive: true, force: true });
  await resetDatabases().catch((error) => log(`could not drop the databases: ${error.message}`));
  log(
    `reset: Kafka data, registry schemas, Keycloak's database and the service databases are gone (${stackDir}); run stack:up`,
  );
}

/** `--brokers N` and `--with part` anywhere among the arguments; the rest are the command and component names. */
function parseArgs(args) {
  const rest = [];
  const withParts = [];
  let brokers;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--brokers') brokers = args[++i] ?? '';
    else if (args[i]?.startsWith('--brokers=')) brokers = args[i].slice('--brokers='.length);
    else if (args[i] === '--with') withParts.push(args[++i] ?? '');
    else if (args[i]?.startsWith('--with=')) withParts.push(args[i].slice('--with='.length));
    else rest.push(args[i]);
  }
  const [command, ...names] = rest;
  return { command, names, brokers, withParts };
}

const commands = { up, down, status, logs, reset, pids };
try {
  const { command, names, brokers: flag, withParts } = parseArgs(process.argv.slice(2));
  if (!commands[command]) {
    throw new StackError(
      `usage: cli.mjs ${Object.keys(commands).join('|')} [--brokers ${kafka.brokerCounts.join('|')}] [--with <part>] [${components(
        1,
      )
        .all.map((c) => c.key)
        .join('|')} ...]`,
    );
  }
  const brokers = brokerCountFor(flag);
  const result = await commands[command](select(names, command, brokers, withParts), brokers, names);
  process.exitCode = result === false ? 1 : 0;
} catch (error) {
  console.error(`[stack] ${error instanceof StackError ? error.message : error.stack}`);
  process.exitCode = 1;
}
