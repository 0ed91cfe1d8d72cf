// The platform's services as the workspace defines them, so the deploy checks cover a service added by
// `nx g @kafka-platform/plugin:service` (or by hand) without a list to edit: every apps/<name> that ships an image
// (has a Dockerfile) is one, with the API port its module names and the management port the platform derives.
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

const MANAGEMENT_OFFSET = 6000;

/** Sorted by port, so messages and lists read in the contract's order (user-, email-, dashboard-service, ...). */
export function platformApps(): PlatformApp[] {
  const apps = join(repoRoot, 'apps');
  const found = readdirSync(apps, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(apps, entry.name, 'Dockerfile')))
    .map(({ name }) => {
      const moduleFile = join(apps, name, 'src', `${name}.module.ts`);
      const source = readFileSync(moduleFile, 'utf8');
      const port = Number(/defaultPort:\s*(\d+)/.exec(source)?.[1]);
      if (!port) throw new Error(`${moduleFile}: no defaultPort, so the app's port cannot be checked`);
      const consumer = new RegExp(`consumerGroup:\\s*'${name}'`).test(source);
      return { name, port, management: port + MANAGEMENT_OFFSET, consumer };
    })
    .sort((a, b) => a.port - b.port);
  // The three the platform ships: an empty or partial list would let every per-app check pass vacuously.
  const names = found.map((app) => app.name);
  for (const shipped of ['user-service', 'email-service', 'dashboard-service']) {
    if (!names.includes(shipped)) throw new Error(`apps/${shipped} (with its Dockerfile) is missing: found ${names}`);
  }
  return found;
}

export const platformAppNames = (): string[] => platformApps().map((app) => app.name);
