// The Prometheus alert rules and config in deploy/prometheus, and the Grafana dashboard in deploy/grafana: valid for
// Prometheus itself (promtool, from Debian's `prometheus` package, which .ci/run installs), the rules unit-tested
// with promtool's own rule tests, the scrape targets the compose services' management ports, and every query
// naming only metrics the services really serve.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './support/config-env-names';
import { platformAppNames, streamProcessors } from './support/platform-apps';

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

/** The platform's metric names in a PromQL expression (a histogram's _bucket, _sum and _count series by its name). */
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\b((?:outbox|kafka|signup_analytics)_[a-z_]+)\b/g)].map((match) =>
    (match[1] as string).replace(/_(bucket|sum|count)$/, ''),
  );

/** The metrics of `exprs` nobody serves. */
const unserved = (exprs: readonly string[], served = servedMetrics()) =>
  exprs.flatMap(metricsIn).filter((metric) => !served.has(metric));

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
      const metrics = metricsIn(rule.expr);
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

interface Dashboard {
  uid: string;
  panels: { id: number; title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
}

describe('Prometheus config and the Grafana dashboard (compose)', () => {
  const config = parse(readFileSync(join(dir, 'prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { static_configs: { targets: string[] }[] }[];
  };
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string | number> }>;
  };
  const dashboard = JSON.parse(
    readFileSync(join(repoRoot, 'deploy/grafana/dashboards/kafka-platform.json'), 'utf8'),
  ) as Dashboard;
  const datasources = parse(
    readFileSync(join(repoRoot, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
  ) as { datasources: { uid: string; url: string }[] };

  it('is a valid Prometheus config that loads the alert rules', () => {
    const { ok, output } = promtool('check', 'config', 'prometheus.yml');
    expect(output).toContain('SUCCESS');
    expect(ok).toBe(true);
    expect(config.rule_files).toEqual(['alerts.yml']);
  });

  it("scrapes each app's management port in compose: the services' and the stream processors'", () => {
    const targets = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((group) => group.targets));
    const apps = [...platformAppNames(), ...streamProcessors().map((processor) => processor.name)];
    expect(apps).toContain('signup-analytics');
    expect(targets).toEqual(apps.map((app) => `${app}:${compose.services[app]?.environment?.['MANAGEMENT_PORT']}`));
  });

  it('shows only metrics the services serve, from the provisioned Prometheus', () => {
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(exprs.length).toBeGreaterThan(10);
    expect(unserved(exprs)).toEqual([]);
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    const [source] = datasources.datasources;
    expect(source?.url).toBe('http://prometheus:9090');
    for (const panel of dashboard.panels) expect(panel.datasource.uid).toBe(source?.uid);
  });

  it('would catch a panel on a metric nobody serves', () => {
    expect(unserved(['sum(rate(kafka_events_consumed_totals[5m]))'])).toEqual(['kafka_events_consumed_totals']);
    expect(unserved(['histogram_quantile(0.99, rate(kafka_handler_duration_seconds_bucket[5m]))'])).toEqual([]);
  });
});
