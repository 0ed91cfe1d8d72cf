// The dependency rules in eslint.config.mjs really restrict: each forbidden import below is reported.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

/** Lints source as if it were `file`, in a child process (ESLint loads its ESM config, which Jest's VM cannot). */
function boundaryErrors(file: string, source: string): string[] {
  const run = spawnSync(process.execPath, [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', file], {
    cwd: root,
    input: `${source}\nexport const probe = 1;\n`,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@nx/enforce-module-boundaries')
    .map((message) => message.message);
}

describe('module boundaries', () => {
  it.each([
    [
      'libs/events/src/probe.ts',
      "import { loadKafkaConfig } from '@kafka-platform/kafka';",
      /Circular dependency between "events" and "kafka"/,
    ],
    [
      'libs/kafka/src/probe.ts',
      "import { waitFor } from '@kafka-platform/testing';",
      /"type:lib" can only depend on libs tagged with "type:lib"/,
    ],
    [
      'libs/core/src/probe.ts',
      "import { loadKafkaConfig } from '@kafka-platform/kafka';",
      /Circular dependency between "core" and "kafka"|"scope:core" can only depend on libs tagged with "scope:core"/,
    ],
    [
      'libs/core/src/probe.ts',
      "import { USER_EVENTS_TOPIC } from '@kafka-platform/events';",
      /"scope:core" can only depend on libs tagged with "scope:core"/,
    ],
    // Production code of an app may not use the test infrastructure; its tests may (see the allowed cases).
    [
      'apps/email-service/src/probe.ts',
      "import { waitFor } from '@kafka-platform/testing';",
      /"type:app" can only depend on libs tagged with "type:lib"/,
    ],
    [
      'libs/kafka/src/probe.ts',
      "import { EmailServiceModule } from '@kafka-platform/email-service';",
      /Circular dependency|Imports of apps are forbidden/,
    ],
    [
      'apps/email-service/src/probe.ts',
      "import { UserServiceModule } from '@kafka-platform/user-service';",
      /Imports of apps are forbidden/,
    ],
  ])('%s: %s is refused', (file, source, reason) => {
    expect(boundaryErrors(file, source)).toEqual([expect.stringMatching(reason)]);
  });

  it.each([
    ['libs/kafka/src/probe.ts', "import { USER_EVENTS_TOPIC } from '@kafka-platform/events';"],
    ['apps/email-service/src/probe.ts', "import { HealthModule } from '@kafka-platform/platform';"],
    ['apps/email-service/src/probe.ts', "import { parseEnv } from '@kafka-platform/core';"],
    ['libs/kafka/src/probe.ts', "import { PlatformError } from '@kafka-platform/core';"],
    ['apps/email-service/src/probe.spec.ts', "import { waitFor } from '@kafka-platform/testing';"],
  ])('%s: %s is allowed', (file, source) => {
    expect(boundaryErrors(file, source)).toEqual([]);
  });
});
