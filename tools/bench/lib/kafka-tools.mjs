// Kafka's own command-line tools (ProducerPerformance, ConsumerPerformance), run from the jars the local stack
// resolved, as the yardstick the Node variants are compared against.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kafka's jars as the local stack resolved them (tools/local-stack/lib/kafka.mjs), or KAFKA_LIB. */
export function kafkaLibDir(env = process.env) {
  if (env.KAFKA_LIB) return env.KAFKA_LIB;
  const cache = env.LOCAL_STACK_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kafka-platform');
  const versions = existsSync(cache) ? readdirSync(cache).filter((name) => /^kafka-\d/.test(name)) : [];
  const dir = versions
    .map((name) => join(cache, name, 'lib'))
    .filter((lib) => existsSync(join(lib, '.complete')))
    .sort()
    .at(-1);
  if (!dir) throw new Error(`No Kafka jars in ${cache}: run \`npm run stack:up\` once (or set KAFKA_LIB)`);
  return dir;
}

const javaBinary = (env = process.env) => (env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java');

/** Runs `org.apache.kafka.tools.<tool>` and resolves with what it printed (stdout and stderr, in order). */
export function runKafkaTool(tool, args) {
  const argv = ['-cp', `${kafkaLibDir()}/*`, `org.apache.kafka.tools.${tool}`, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(javaBinary(), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`${tool} exited ${code}:\n${text.slice(-2000)}`)),
    );
  });
}
