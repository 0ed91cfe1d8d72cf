// The platform's rules for what runs in the cluster, as functions returning the problems they find (empty when the
// object complies), so a spec can both assert real manifests comply and prove each rule rejects a broken one.
import type { Container, K8sObject, Manifests, Probe, Workload } from './k8s-manifests';
import { isPinnedImage } from './image-pins';
import { containersOf, nameOf, selects } from './k8s-manifests';

/** The restricted Pod Security Standard, and a read-only root filesystem with /tmp on an emptyDir. */
export function podSecurityProblems(workload: Workload): string[] {
  const pod = workload.spec.template.spec;
  const problems: string[] = [];
  if (pod.securityContext?.runAsNonRoot !== true) problems.push('pod securityContext.runAsNonRoot must be true');
  if (pod.securityContext?.runAsUser === 0) problems.push('pod securityContext.runAsUser must not be 0');
  for (const container of containersOf(workload)) {
    const context = container.securityContext ?? {};
    const at = `container ${container.name}`;
    if (context.runAsNonRoot === false || context.runAsUser === 0) problems.push(`${at} must not run as root`);
    if (context.privileged === true) problems.push(`${at} must not be privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation must be false`);
    if (context.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true`);
    if (!context.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities must drop ALL`);
    if ((context.capabilities?.add ?? []).length > 0) problems.push(`${at}: must not add capabilities`);
    const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault') problems.push(`${at}: seccompProfile must be RuntimeDefault`);
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    const volume = pod.volumes?.find((candidate) => candidate.name === tmp?.name);
    if (!volume?.emptyDir) problems.push(`${at}: the root filesystem is read-only, so /tmp must be an emptyDir`);
  }
  return problems.map((problem) => `${nameOf(workload)}: ${problem}`);
}

/** CPU and memory requested (for scheduling) and limited (so one pod cannot starve a node). */
export function resourceProblems(workload: Workload): string[] {
  return containersOf(workload).flatMap((container) =>
    (['requests', 'limits'] as const).flatMap((kind) =>
      ['cpu', 'memory']
        .filter((resource) => !container.resources?.[kind]?.[resource])
        .map((resource) => `${nameOf(workload)}: container ${container.name} has no ${kind}.${resource}`),
    ),
  );
}

/** Liveness on /health/live and readiness on /health/ready, over HTTP on a port the container declares. */
export function serviceProbeProblems(workload: Workload, containerName: string): string[] {
  const container = workload.spec.template.spec.containers.find((candidate) => candidate.name === containerName);
  if (!container) return [`${nameOf(workload)}: no container ${containerName}`];
  const check = (kind: 'livenessProbe' | 'readinessProbe', path: string): string[] => {
    const probe: Probe | undefined = container[kind];
    if (!probe?.httpGet) return [`${nameOf(workload)}: ${kind} must be an HTTP GET of ${path}`];
    const problems = probe.httpGet.path === path ? [] : [`${nameOf(workload)}: ${kind} must GET ${path}`];
    if (!declaresPort(container, probe.httpGet.port)) {
      problems.push(`${nameOf(workload)}: ${kind} port ${probe.httpGet.port} is not a port of the container`);
    }
    return problems;
  };
  return [...check('livenessProbe', '/health/live'), ...check('readinessProbe', '/health/ready')];
}

const declaresPort = (container: Container, port: number | string): boolean =>
  (container.ports ?? []).some((declared) => declared.name === port || declared.containerPort === port);

/**
 * Every variable a service container gets, directly or from a ConfigMap, must be one its config reads, or feed
 * such a variable's value through Kubernetes' `$(NAME)` expansion (as prod's DATABASE_SERVER_URL feeds DATABASE_URL)
 * from an earlier place in the list, where the expansion finds it.
 */
export function envNameProblems(
  workload: Workload,
  containerName: string,
  manifests: Manifests,
  allowed: ReadonlySet<string>,
): string[] {
  const container = workload.spec.template.spec.containers.find((candidate) => candidate.name === containerName);
  const env = container?.env ?? [];
  const feeds = (name: string): boolean =>
    env.some(
      (other, index) =>
        allowed.has(other.name) &&
        (other.value ?? '').includes(`$(${name})`) &&
        env.findIndex((candidate) => candidate.name === name) < index,
    );
  return envNames(workload, containerName, manifests)
    .filter((name) => !allowed.has(name) && !feeds(name))
    .map((name) => `${nameOf(workload)}: ${name} is read by no config schema of ${containerName}`);
}

/** The names of a container's variables: env entries and the keys of every ConfigMap it loads whole. */
export function envNames(workload: Workload, containerName: string, manifests: Manifests): string[] {
  const container = workload.spec.template.spec.containers.find((candidate) => candidate.name === containerName);
  const fromMaps = (container?.envFrom ?? []).flatMap((source) => {
    if (source.secretRef) throw new Error(`${nameOf(workload)}: envFrom a Secret hides which variables it sets`);
    return Object.keys(manifests.get('ConfigMap', source.configMapRef?.name ?? '').data ?? {});
  });
  return [...(container?.env ?? []).map((env) => env.name), ...fromMaps];
}

/** A container's effective value of a variable, following ConfigMaps (later sources win, env over envFrom). */
export function envValue(
  workload: Workload,
  containerName: string,
  manifests: Manifests,
  name: string,
): string | undefined {
  const container = workload.spec.template.spec.containers.find((candidate) => candidate.name === containerName);
  const direct = container?.env?.find((env) => env.name === name);
  if (direct) return direct.value;
  const values = (container?.envFrom ?? []).map(
    (source) => (manifests.get('ConfigMap', source.configMapRef?.name ?? '').data as Record<string, string>)?.[name],
  );
  return values.filter((value) => value !== undefined).at(-1);
}

/** An explicit version on every image; `latest` or no tag would make a rollout depend on when it pulls. */
export function imageProblems(workload: Workload): string[] {
  return containersOf(workload)
    .filter((container) => !isPinnedImage(container.image ?? ''))
    .map((container) => `${nameOf(workload)}: container ${container.name} image ${container.image} is not pinned`);
}

/**
 * Everything an object points at exists: ConfigMaps (rendered, with the key), Secrets (rendered, with the key, or
 * in `external`, the ones created outside these manifests), the workloads of Services, PDBs and autoscalers.
 */
export function referenceProblems(manifests: Manifests, external: Readonly<Record<string, string[]>>): string[] {
  const problems: string[] = [];
  const secretHas = (name: string, key?: string): boolean => {
    if (name in external) return key === undefined || (external[name] ?? []).includes(key);
    const secret = manifests.find('Secret', name);
    if (!secret) return false;
    const data = { ...(secret.data as object), ...(secret.stringData as object) };
    return key === undefined || key in data;
  };
  const configMapHas = (name: string, key?: string): boolean => {
    const map = manifests.find('ConfigMap', name);
    return Boolean(map) && (key === undefined || key in ((map?.data as object) ?? {}));
  };
  for (const workload of manifests.workloads()) {
    const at = nameOf(workload);
    for (const container of containersOf(workload)) {
      for (const env of container.env ?? []) {
        const secret = env.valueFrom?.secretKeyRef;
        if (secret && !secretHas(secret.name, secret.key))
          problems.push(`${at}: ${env.name} needs ${secretText(secret)}`);
        const map = env.valueFrom?.configMapKeyRef;
        if (map && !configMapHas(map.name, map.key)) problems.push(`${at}: ${env.name} needs ConfigMap ${map.name}`);
      }
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef && !configMapHas(source.configMapRef.name)) {
          problems.push(`${at}: envFrom needs ConfigMap ${source.configMapRef.name}`);
        }
      }
    }
    for (const volume of workload.spec.template.spec.volumes ?? []) {
      for (const item of volume.secret?.items ?? [{ key: undefined }]) {
        if (volume.secret && !secretHas(volume.secret.secretName, item.key)) {
          problems.push(
            `${at}: volume ${volume.name} needs ${secretText({ name: volume.secret.secretName, key: item.key })}`,
          );
        }
      }
      if (volume.configMap && !configMapHas(volume.configMap.name)) {
        problems.push(`${at}: volume ${volume.name} needs ConfigMap ${volume.configMap.name}`);
      }
    }
  }
  for (const service of manifests.ofKind('Service')) {
    const selector = (service.spec as { selector?: Record<string, string> }).selector;
    if (!manifests.workloads().some((workload) => selects(selector, workload.spec.template.metadata?.labels))) {
      problems.push(`${nameOf(service)}: its selector matches no rendered pod template`);
    }
  }
  for (const budget of manifests.ofKind('PodDisruptionBudget')) {
    const selector = (budget.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
    if (!manifests.workloads().some((workload) => selects(selector, workload.spec.template.metadata?.labels))) {
      problems.push(`${nameOf(budget)}: its selector matches no rendered pod template`);
    }
  }
  for (const autoscaler of manifests.ofKind('HorizontalPodAutoscaler')) {
    const target = (autoscaler.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    if (!manifests.find(target.kind, target.name))
      problems.push(`${nameOf(autoscaler)}: no ${target.kind} ${target.name}`);
  }
  for (const auth of manifests.ofKind('TriggerAuthentication')) {
    for (const ref of (auth.spec as { secretTargetRef?: { name: string; key: string }[] }).secretTargetRef ?? []) {
      if (!secretHas(ref.name, ref.key)) problems.push(`${nameOf(auth)}: needs ${secretText(ref)}`);
    }
  }
  return problems;
}

const secretText = ({ name, key }: { name: string; key?: string }): string =>
  `Secret ${name}${key ? ` (key ${key})` : ''}, which is neither rendered nor created outside these manifests`;

/** Objects that must live in the platform's namespace (everything but the Namespace itself). */
export const namespaceProblems = (objects: readonly K8sObject[], namespace: string): string[] =>
  objects
    .filter((object) => object.kind !== 'Namespace' && object.metadata.namespace !== namespace)
    .map((object) => `${nameOf(object)} is in namespace ${String(object.metadata.namespace)}, not ${namespace}`);
