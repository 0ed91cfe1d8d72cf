// The platform's apps as the workspace defines them, so the deploy checks cover an app added by
// `nx g @kafka-platform/plugin:service` (or by hand) without a list to edit: every apps/<name> that ships an image
// (has a Dockerfile) is one. Two kinds, told apart by their source, because they deploy differently:
// - a service (a NestJS module, apps/<name>/src/<name>.module.ts): an API port the module names, a management port
//   the platform derives, a database, bearer tokens;
// - a stream processor (a plain Node process, no module): only a management port (/health/*, /metrics), the
//   MANAGEMENT_PORT default of its own config schema; no API, no database, no tokens.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './config-env-names';

export interface PlatformApp {
  readonly name: string;
  /** The API port: the module's PlatformModule.forRoot({ defaultPort }), which PORT must match. */
  readonly port: number;
  /** /metrics and /docs: MANAGEMENT_PORT's default, the API port + 6000 (libs/platform's service config). */
  readonly management: number;
  /** Whether its module runs a consumer group named as the service (PlatformModule's kafka.consumerGroup). */
  readonly consumer: boolean;
}

export interface StreamProcessor {
  readonly name: string;
  /** /health/*, /metrics: its config schema's MANAGEMENT_PORT default, the only port it listens on. */
  readonly management: number;
}

/** Any app with an image, as its Dockerfile sees it: the port it exposes and health-checks, and that port's variable. */
export interface DeployedApp {
  readonly name: string;
  readonly kind: 'service' | 'processor';
  readonly port: number;
  readonly portVariable: 'PORT' | 'MANAGEMENT_PORT';
}

const MANAGEMENT_OFFSET = 6000;
const SHIPPED_SERVICES = ['user-service', 'email-service', 'dashboard-service'];
const SHIPPED_PROCESSORS = ['signup-analytics'];

const appsDir = join(repoRoot, 'apps');

function imageApps(): string[] {
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(appsDir, entry.name, 'Dockerfile')))
    .map(({ name }) => name);
}

const isService = (name: string): boolean => existsSync(join(appsDir, name, 'src', `${name}.module.ts`));

/** Fails when a shipped app is missing: an empty or partial list would let every per-app check pass vacuously. */
function requireShipped(found: readonly string[], shipped: readonly string[]): void {
  for (const name of shipped) {
    if (!found.includes(name)) throw new Error(`apps/${name} (with its Dockerfile) is missing: found ${found}`);
  }
}

/** The services, sorted by port, so messages and lists read in the contract's order (user-, email-, dashboard-...). */
export function platformApps(): PlatformApp[] {
  const found = imageApps()
    .filter(isService)
    .map((name) => {
      const moduleFile = join(appsDir, name, 'src', `${name}.module.ts`);
      const source = readFileSync(moduleFile, 'utf8');
      const port = Number(/defaultPort:\s*(\d+)/.exec(source)?.[1]);
      if (!port) throw new Error(`${moduleFile}: no defaultPort, so the app's port cannot be checked`);
      const consumer = new RegExp(`consumerGroup:\\s*'${name}'`).test(source);
      return { name, port, management: port + MANAGEMENT_OFFSET, consumer };
    })
    .sort((a, b) => a.port - b.port);
  requireShipped(
    found.map((app) => app.name),
    SHIPPED_SERVICES,
  );
  return found;
}

export const platformAppNames = (): string[] => platformApps().map((app) => app.name);

/** The MANAGEMENT_PORT default in an app's own config schema (`MANAGEMENT_PORT: z...default(9004)`). */
function managementPortDefault(name: string): number {
  const dir = join(appsDir, name, 'src');
  for (const file of readdirSync(dir).filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.spec.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    // The key's text up to the next key of the same object (same indent), so a default of another key never counts.
    const body = /^( +)MANAGEMENT_PORT:([\s\S]*?)\n\1(?=[A-Z])/m.exec(source)?.[2] ?? '';
    const port = /\.default\((\d+)\)/.exec(body)?.[1];
    if (port) return Number(port);
  }
  throw new Error(`apps/${name}: no ${name}.module.ts and no MANAGEMENT_PORT default in src/*.ts, so no port to check`);
}

/** The stream processors, sorted by management port. */
export function streamProcessors(): StreamProcessor[] {
  const found = imageApps()
    .filter((name) => !isService(name))
    .map((name) => ({ name, management: managementPortDefault(name) }))
    .sort((a, b) => a.management - b.management);
  requireShipped(
    found.map((app) => app.name),
    SHIPPED_PROCESSORS,
  );
  return found;
}

/** Every app with an image: services on their API port (PORT), processors on their management port. */
export function deployedApps(): DeployedApp[] {
  return [
    ...platformApps().map(({ name, port }) => ({
      name,
      kind: 'service' as const,
      port,
      portVariable: 'PORT' as const,
    })),
    ...streamProcessors().map(({ name, management }) => ({
      name,
      kind: 'processor' as const,
      port: management,
      portVariable: 'MANAGEMENT_PORT' as const,
    })),
  ];
}
