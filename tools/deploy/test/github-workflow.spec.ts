// .github/workflows/ci.yml, checked offline: it is valid against the published JSON schema for GitHub workflows
// (SchemaStore's github-workflow.json, from the `schemastore` package), and its jobs run what a fork needs: .ci/run,
// the compose stack checked from outside, and the suites on Testcontainers. A broken copy shows the schema check
// catches a mistake.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { repoRoot } from './support/config-env-names';
import { imagePins } from './support/image-pins';

interface Step {
  readonly uses?: string;
  readonly run?: string;
}
interface Job {
  readonly services?: Record<string, { readonly image: string }>;
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly jobs: Record<string, Job>;
}

const schemaPath = createRequire(__filename).resolve('schemastore/schemas/json/github-workflow.json');
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
const workflowText = readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8');
const workflow = parse(workflowText) as Workflow;
const runs = (job: string) => (workflow.jobs[job]?.steps ?? []).map((step) => step.run ?? '').join('\n');

describe('.github/workflows/ci.yml', () => {
  it("is valid against SchemaStore's GitHub workflow schema", () => {
    expect({ valid: validate(workflow), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
  });

  it('would fail the schema check with a mistake in it (a misspelt runs-on)', () => {
    const broken = parse(workflowText.replace('runs-on: ubuntu-latest', 'run-on: ubuntu-latest')) as Workflow;
    expect(validate(broken)).toBe(false);
  });

  it('runs .ci/run with PostgreSQL as the local stack expects it, pinned like the compose stack', () => {
    expect(runs('ci')).toContain('bash .ci/run');
    expect(workflow.jobs['ci']?.services?.['postgres']?.image).toBe(imagePins().get('POSTGRES_IMAGE'));
  });

  it('starts the compose stack, waits for it, and checks it from outside', () => {
    expect(runs('compose')).toMatch(/docker compose up --build --detach --wait/);
    expect(runs('compose')).toContain('node tools/ci/platform-smoke.mjs');
    expect(existsSync(join(repoRoot, 'tools/ci/platform-smoke.mjs'))).toBe(true);
  });

  it('runs the test suites on Testcontainers', () => {
    expect(runs('containers')).toContain('npm run test:containers');
  });

  it('uses only versioned actions', () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => step.uses ?? []));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w-]+\/[\w-]+@(v\d+|[0-9a-f]{40})$/);
  });
});
