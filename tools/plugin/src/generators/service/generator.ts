import { join } from 'node:path';
import { formatFiles, generateFiles, updateJson } from '@nx/devkit';
import type { GeneratorCallback, Tree } from '@nx/devkit';
import {
  addServiceDeployment,
  fromTemplate,
  MANAGEMENT_OFFSET,
  TEMPLATE_SERVICE,
} from '../../workspace/deploy-files.js';
import type { NewService } from '../../workspace/deploy-files.js';
import {
  existingServices,
  processorManagementPorts,
  SERVICE_NAME,
  serviceFiles,
  servicePort,
} from '../../workspace/services.js';

export interface ServiceGeneratorSchema {
  name: string;
  port?: number;
}

/**
 * The next API port after the highest any service's module names as its defaultPort, skipping one whose management
 * port (+6000) a stream processor already listens on (signup-analytics: 9004, so the next service gets 3005).
 */
function nextPort(tree: Tree): number {
  const ports = existingServices(tree).flatMap((name) => servicePort(tree, name) ?? []);
  const taken = new Set(processorManagementPorts(tree));
  let port = Math.max(3000, ...ports) + 1;
  while (taken.has(port + MANAGEMENT_OFFSET)) port++;
  return port;
}

/**
 * The image is the email-service's (the template consumer app) with the name and port swapped, so a fix to the
 * apps' Dockerfiles reaches generated services without a second copy to keep in step.
 */
function writeDockerfile(tree: Tree, service: NewService): void {
  const template = tree.read(`apps/${TEMPLATE_SERVICE.name}/Dockerfile`, 'utf-8');
  if (template === null)
    throw new Error(`apps/${TEMPLATE_SERVICE.name}/Dockerfile: the template of a service image is missing`);
  // Every workspace manifest stays (npm ci needs them all); copyManifestInDockerfiles adds the new one.
  const manifest = /^COPY apps\/[^/]+\/package\.json apps\//;
  const lines = template.split('\n').map((line) => (manifest.test(line) ? line : fromTemplate(line, service)));
  tree.write(`apps/${service.name}/Dockerfile`, lines.join('\n'));
}

/** npm ci needs every workspace's package.json before it installs, so every image copies them all first. */
function copyManifestInDockerfiles(tree: Tree, name: string): void {
  const line = `COPY apps/${name}/package.json apps/${name}/`;
  for (const app of tree.children('apps')) {
    const file = `apps/${app}/Dockerfile`;
    const text = tree.read(file, 'utf-8');
    if (text === null || text.includes(line)) continue;
    const lines = text.split('\n');
    const last = lines.findLastIndex((candidate) => /^COPY apps\/[^/]+\/package\.json apps\//.test(candidate));
    if (last < 0) throw new Error(`${file}: no "COPY apps/<app>/package.json" line to add ${name}'s after`);
    lines.splice(last + 1, 0, line);
    tree.write(file, lines.join('\n'));
  }
}

/** The lockfile entries npm itself writes for a new workspace, so `npm ci` (CI, the images) accepts the lockfile. */
function addToLockfile(tree: Tree, name: string): void {
  updateJson(tree, 'package-lock.json', (lock) => {
    const manifest = JSON.parse(tree.read(`apps/${name}/package.json`, 'utf-8') ?? '{}');
    lock.packages[`apps/${name}`] = {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
    };
    lock.packages[`node_modules/${manifest.name}`] = { resolved: `apps/${name}`, link: true };
    return lock;
  });
}

/** The local stack and docker compose create one database and role per service, named as the service in snake_case. */
function addDatabase(tree: Tree, role: string): void {
  const settings = 'tools/local-stack/lib/settings.mjs';
  const text = tree.read(settings, 'utf-8');
  if (text) {
    tree.write(
      settings,
      text
        .replace(/(databases: \['user_service'[^\]]*?)(, registry\.database)/, `$1, '${role}'$2`)
        .replace(/(serviceDatabases: \[[^\]]*?)\]/, `$1, '${role}']`),
    );
  }
  const init = 'deploy/compose/postgres-init.sql';
  const sql = tree.read(init, 'utf-8');
  if (sql && !sql.includes(`CREATE ROLE ${role} `)) {
    tree.write(
      init,
      `${sql.trimEnd()}\n\nCREATE ROLE ${role} LOGIN PASSWORD '${role}';\nCREATE DATABASE ${role} OWNER ${role};\n`,
    );
  }
}

export async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const { name } = options;
  if (!SERVICE_NAME.test(name) || !name.endsWith('-service')) {
    throw new Error(`"${name}": a service is named in kebab-case ending in -service (order-service)`);
  }
  if (tree.exists(`apps/${name}`)) throw new Error(`apps/${name} exists already`);
  const service = serviceFiles(name);
  const port = options.port ?? nextPort(tree);
  const managementPort = port + MANAGEMENT_OFFSET;
  generateFiles(tree, join(import.meta.dirname, 'files', 'app'), service.root, {
    ...service,
    port,
    managementPort,
  });
  updateJson(tree, 'tsconfig.json', (config) => {
    config.references.push({ path: `./apps/${name}` });
    return config;
  });
  addToLockfile(tree, name);
  writeDockerfile(tree, { ...service, port });
  copyManifestInDockerfiles(tree, name);
  addDatabase(tree, service.databaseRole);
  addServiceDeployment(tree, { ...service, port });
  // No catalog group yet: the catalog lists exactly the groups its events name (libs/events' catalog test), so the
  // group comes with the first event the service consumes (nx g @kafka-platform/plugin:event --consumers=<name>).
  await formatFiles(tree);
  return () => {
    console.log(`
apps/${name} is the ${name} (port ${port}, management port ${managementPort}, database ${service.databaseRole}).
Next: npm install (links the new workspace), npm run stack:up (creates its database role), then
  nx g @kafka-platform/plugin:event <event_name> --consumers=${name}
  npx nx run-many -t lint typecheck test -p ${name}`);
  };
}

export default serviceGenerator;
