// The Prometheus alert rules in deploy/prometheus: valid for Prometheus itself (promtool, from Debian's
// `prometheus` package, which .ci/run installs), unit-tested with promtool's own rule tests, and naming only
// metrics the services really serve.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './support/config-env-names';

const dir = join(repoRoot, 'deploy/prometheus');

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool is needed for this test (Debian: apt-get install prometheus): ${run.error.message}`);
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** Every metric name the platform's code registers (prom-client `name: '...'`). */
function servedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory() && !['node_modules', 'dist'].includes(entry.name)) walk(child);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        for (const match of readFileSync(child, 'utf8').matchAll(/name: '([a-z_]+)'/g)) names.add(match[1] as string);
      }
    }
  };
  for (const root of ['libs', 'apps']) walk(join(repoRoot, root));
  return names;
}

interface Rule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (parse(readFileSync(join(dir, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (group) => group.rules,
);

describe('Prometheus alert rules (deploy/prometheus)', () => {
  it('are valid rules for Prometheus', () => {
    const { ok, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(ok).toBe(true);
  });

  it('fire, and stay quiet, as their promtool unit tests expect', () => {
    const { ok, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(ok).toBe(true);
  });

  it('name only metrics the services serve, and say how bad and what to do', () => {
    const served = servedMetrics();
    for (const rule of rules) {
      const metrics = [...rule.expr.matchAll(/\b((?:outbox|kafka)_[a-z_]+)\b/g)].map((match) => match[1] as string);
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics)
        expect({ alert: rule.alert, metric, served: served.has(metric) }).toEqual({
          alert: rule.alert,
          metric,
          served: true,
        });
      expect(['page', 'ticket']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
    }
  });

  it('would catch a rule on a metric nobody serves', () => {
    expect(servedMetrics().has('outbox_parked_rows')).toBe(true);
    expect(servedMetrics().has('outbox_parked_row')).toBe(false);
  });
});
