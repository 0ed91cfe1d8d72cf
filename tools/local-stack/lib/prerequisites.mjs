import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, StackError } from './processes.mjs';

const MAVEN_HELP =
  'The stack downloads Kafka, Apicurio Registry and Keycloak from Maven Central with Maven on first start. Install it (Debian/Ubuntu: apt-get install -y maven; macOS: brew install maven) and put `mvn` on PATH.';

const javaHelp = (major, why) =>
  `${why} needs Java ${major} or newer. Install a JDK (for example Temurin ${major}+ from adoptium.net, or Debian/Ubuntu: apt-get install -y openjdk-${major}-jre-headless) and put it on PATH, set JAVA_HOME, or set LOCAL_STACK_JAVA${major} to its java binary.`;

function candidates(major) {
  const found = [
    process.env[`LOCAL_STACK_JAVA${major}`],
    process.env.JAVA_HOME && join(process.env.JAVA_HOME, 'bin', 'java'),
    'java',
  ];
  const roots = process.env.LOCAL_STACK_JVM_ROOTS?.split(':') ?? ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines'];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const dir of readdirSync(root)) {
      found.push(join(root, dir, 'bin', 'java'), join(root, dir, 'Contents', 'Home', 'bin', 'java'));
    }
  }
  return [...new Set(found.filter(Boolean))].filter((path) => path === 'java' || existsSync(path));
}

async function majorOf(java) {
  const output = await run(java, ['-version']).catch(() => '');
  return Number(/version "(?:1\.)?(\d+)/.exec(output)?.[1] ?? 0);
}

const resolved = new Map();

/** The first java binary of at least `major`: explicit setting, JAVA_HOME, PATH, then installed JDKs. */
export async function findJava(major, why) {
  if (!resolved.has(major)) {
    let match;
    for (const java of candidates(major)) {
      if ((await majorOf(java)) >= major) {
        match = java;
        break;
      }
    }
    if (!match) throw new StackError(javaHelp(major, why));
    resolved.set(major, match);
  }
  return resolved.get(major);
}

export async function requireMaven() {
  try {
    await run('mvn', ['-v']);
  } catch (error) {
    throw new StackError(`mvn was not found or failed (${error.code ?? error.message}). ${MAVEN_HELP}`);
  }
}
