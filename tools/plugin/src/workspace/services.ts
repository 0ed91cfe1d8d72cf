// What the generators need to know about the workspace's services, read from the files that define them, so a
// service added by hand or by the service generator is found the same way.
import { names } from '@nx/devkit';
import type { Tree } from '@nx/devkit';

export interface ServiceFiles {
  readonly name: string;
  readonly root: string;
  /** apps/<name>/src/<name>.module.ts, the module every app of the platform is built from. */
  readonly moduleFile: string;
  readonly moduleClass: string;
  /** The PostgreSQL role (and database) the service runs as: its name in snake_case. */
  readonly databaseRole: string;
}

/** A service name as the platform spells it: kebab-case, like user-service (a project, a group, a k8s name). */
export const SERVICE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function serviceFiles(name: string): ServiceFiles {
  const root = `apps/${name}`;
  return {
    name,
    root,
    moduleFile: `${root}/src/${name}.module.ts`,
    moduleClass: `${names(name).className}Module`,
    databaseRole: name.replaceAll('-', '_'),
  };
}

/** The apps under apps/ that are services of the platform (they have the conventional module file). */
export function existingServices(tree: Tree): string[] {
  return tree
    .children('apps')
    .filter((name) => tree.exists(serviceFiles(name).moduleFile))
    .sort();
}

/** A service that consumes events: its module configures a consumer group (PlatformModule's kafka.consumerGroup). */
export function isConsumer(tree: Tree, name: string): boolean {
  const module = tree.read(serviceFiles(name).moduleFile, 'utf-8') ?? '';
  return new RegExp(`consumerGroup:\\s*'${name}'`).test(module);
}

export function assertService(tree: Tree, name: string, role: 'producer' | 'consumer'): void {
  const known = existingServices(tree);
  if (!known.includes(name))
    throw new Error(`${role} "${name}" is not a service of this workspace (${known.join(', ')})`);
  if (role === 'consumer' && !isConsumer(tree, name)) {
    const consumers = known.filter((candidate) => isConsumer(tree, candidate));
    throw new Error(
      `"${name}" runs no consumer group; consumers are ${consumers.join(', ')} (nx g @kafka-platform/plugin:service adds one)`,
    );
  }
}

/** The API port a service's module names (PlatformModule.forRoot({ defaultPort })). */
export function servicePort(tree: Tree, name: string): number | undefined {
  const match = /defaultPort:\s*(\d+)/.exec(tree.read(serviceFiles(name).moduleFile, 'utf-8') ?? '');
  return match ? Number(match[1]) : undefined;
}

/**
 * The management ports of the apps that are no services (no module file: stream processors such as signup-analytics):
 * the MANAGEMENT_PORT default of their own config schema. A new service's ports must not collide with them.
 */
export function processorManagementPorts(tree: Tree): number[] {
  return tree
    .children('apps')
    .filter((name) => !tree.exists(serviceFiles(name).moduleFile) && tree.exists(`apps/${name}/src`))
    .flatMap((name) =>
      tree
        .children(`apps/${name}/src`)
        .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
        .flatMap((file) => {
          const source = tree.read(`apps/${name}/src/${file}`, 'utf-8') ?? '';
          // The key's text up to the next key of its object (same indent): only its own default counts.
          const body = /^( +)MANAGEMENT_PORT:([\s\S]*?)\n\1(?=[A-Z])/m.exec(source)?.[2] ?? '';
          const port = /\.default\((\d+)\)/.exec(body)?.[1];
          return port ? [Number(port)] : [];
        }),
    );
}
