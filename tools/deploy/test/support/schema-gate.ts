// The prod overlay's schema gate: a Job registers the event catalog's schemas with `schemas register`, and every
// service waits in an init container running `schemas check --registered` until they are (k8s/overlays/prod/
// schemas.yaml). As functions returning the problems they find, so a spec can prove each rule rejects a broken copy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_ENV_NAMES, repoRoot, schemaKeys } from './config-env-names';
import type { Container, Manifests, Workload } from './k8s-manifests';
import { nameOf } from './k8s-manifests';
import { platformAppNames } from './platform-apps';

export const SCHEMAS_JOB = 'schemas-register';
export const SCHEMAS_INIT_CONTAINER = 'schemas-registered';
/** Where the image keeps the compiled command: libs/kafka/src/schemas/schemas-cli.ts, built to libs/kafka/dist. */
export const SCHEMAS_CLI = 'libs/kafka/dist/schemas/schemas-cli.js';
const COMMAND_SOURCE = 'libs/kafka/src/schemas/schemas-command.ts';

/** The variables the schemas command reads: the keys of its env schema (parseEnv), and what Node itself reads. */
export function schemasCommandEnvNames(): Set<string> {
  return new Set([...schemaKeys(readFileSync(join(repoRoot, COMMAND_SOURCE), 'utf8')), ...RUNTIME_ENV_NAMES]);
}

/** The compiled CLI the manifests run is the one libs/kafka builds and the service images ship. */
export function cliProblems(cli: string): string[] {
  const source = cli.replace('/dist/', '/src/').replace(/\.js$/, '.ts');
  const problems = existsSync(join(repoRoot, source)) ? [] : [`${cli} is built from ${source}, which does not exist`];
  for (const app of platformAppNames()) {
    const dockerfile = readFileSync(join(repoRoot, 'apps', app, 'Dockerfile'), 'utf8');
    for (const dir of ['libs/kafka/dist', 'libs/events/schemas']) {
      if (!new RegExp(`^COPY --from=build /app/${dir} ${dir}$`, 'm').test(dockerfile)) {
        problems.push(`apps/${app}/Dockerfile does not ship ${dir}, which ${cli} needs`);
      }
    }
  }
  return problems;
}

/**
 * The gate in one overlay. `expected`: prod has it; dev must not (its services register their own schemas, and an
 * init container waiting for registrations only a started service makes would wait forever).
 */
export function schemaGateProblems(manifests: Manifests, apps: readonly string[], expected: boolean): string[] {
  const job = manifests.find<Workload>('Job', SCHEMAS_JOB);
  const gated = manifests
    .ofKind<Workload>('Deployment')
    .filter((deployment) => initContainer(deployment) !== undefined)
    .map(nameOf);
  if (!expected) {
    return [
      ...(job ? [`${nameOf(job)}: this overlay's services register their own schemas; no Job may`] : []),
      ...gated.map((name) => `${name}: waits for schemas that only its own start would register`),
    ];
  }
  const problems: string[] = [];
  const userService = manifests.get<Workload>('Deployment', 'user-service');
  const userServiceImage = userService.spec.template.spec.containers[0]?.image;
  const registryUrl = resolvedEnv(userService.spec.template.spec.containers[0], manifests, 'SCHEMA_REGISTRY_URL');
  if (!job) {
    problems.push(`no Job ${SCHEMAS_JOB} registers the catalog's schemas, and the services only look them up`);
  } else {
    const at = nameOf(job);
    const pod = job.spec.template.spec;
    const [container, ...more] = pod.containers;
    if (!container || more.length > 0) problems.push(`${at}: must run exactly one container`);
    if (container) {
      problems.push(...commandProblems(at, container, 'register', manifests, registryUrl));
      if (container.image !== userServiceImage) {
        problems.push(
          `${at}: runs ${container.image}, not the user-service image of this release (${userServiceImage})`,
        );
      }
    }
    if (job.spec.template.metadata?.labels?.['kafka-platform/registry-client'] !== 'true') {
      problems.push(
        `${at}: its pod lacks the label kafka-platform/registry-client=true, so it cannot reach the registry`,
      );
    }
    const spec = job.spec as unknown as { backoffLimit?: number; ttlSecondsAfterFinished?: number };
    if (!(Number(spec.backoffLimit) >= 1)) problems.push(`${at}: needs a backoffLimit >= 1 to retry a failed run`);
    if (spec.ttlSecondsAfterFinished === undefined) {
      problems.push(`${at}: needs ttlSecondsAfterFinished, or the next release cannot apply its new pod template`);
    }
    if (!['OnFailure', 'Never'].includes(String((pod as { restartPolicy?: string }).restartPolicy))) {
      problems.push(`${at}: restartPolicy must be OnFailure or Never`);
    }
  }
  for (const app of apps) {
    const deployment = manifests.get<Workload>('Deployment', app);
    const at = nameOf(deployment);
    const init = initContainer(deployment);
    if (!init) {
      problems.push(`${at}: no init container ${SCHEMAS_INIT_CONTAINER} waits for the schemas to be registered`);
      continue;
    }
    problems.push(...commandProblems(at, init, 'check --registered', manifests, registryUrl));
    const image = deployment.spec.template.spec.containers.find((container) => container.name === app)?.image;
    if (init.image !== image) problems.push(`${at}: init container runs ${init.image}, not the pod's image ${image}`);
  }
  return problems;
}

const initContainer = (deployment: Workload): Container | undefined =>
  deployment.spec.template.spec.initContainers?.find((container) => container.name === SCHEMAS_INIT_CONTAINER);

/** `node <cli> <command>`, with --wait, given only variables the command reads, and the services' registry. */
function commandProblems(
  at: string,
  container: Container,
  command: 'register' | 'check --registered',
  manifests: Manifests,
  registryUrl: string | undefined,
): string[] {
  const problems: string[] = [];
  const args = container.command ?? [];
  const where = `${at}: container ${container.name}`;
  if (args[0] !== 'node' || args[1] !== SCHEMAS_CLI) problems.push(`${where} must run node ${SCHEMAS_CLI}`);
  const words = command.split(' ');
  if (args[2] !== words[0] || !words.slice(1).every((word) => args.includes(word))) {
    problems.push(`${where} must run schemas ${command}, not schemas ${args.slice(2).join(' ')}`);
  }
  if (!args.includes('--wait')) problems.push(`${where} must --wait for the registry rather than fail at once`);
  const allowed = schemasCommandEnvNames();
  for (const env of container.env ?? []) {
    if (!allowed.has(env.name))
      problems.push(`${where}: ${env.name} is read by no config schema of the schemas command`);
  }
  if ((container.envFrom ?? []).length > 0) problems.push(`${where}: envFrom hands it variables it does not read`);
  const url = resolvedEnv(container, manifests, 'SCHEMA_REGISTRY_URL');
  if (url !== registryUrl) {
    problems.push(`${where}: SCHEMA_REGISTRY_URL is ${url ?? 'unset'}, not the services' ${registryUrl}`);
  }
  return problems;
}

/** A variable's value as the container sees it: a literal, a ConfigMap key, or a ConfigMap loaded whole. */
export function resolvedEnv(container: Container | undefined, manifests: Manifests, name: string): string | undefined {
  const configMap = (map: string) => (manifests.find('ConfigMap', map)?.data ?? {}) as Record<string, string>;
  const direct = container?.env?.find((env) => env.name === name);
  if (direct?.value !== undefined) return direct.value;
  const ref = direct?.valueFrom?.configMapKeyRef;
  if (ref) return configMap(ref.name)[ref.key];
  const values = (container?.envFrom ?? []).map((source) => configMap(source.configMapRef?.name ?? '')[name]);
  return values.filter((value) => value !== undefined).at(-1);
}
