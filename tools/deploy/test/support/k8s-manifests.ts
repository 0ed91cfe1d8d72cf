// Renders a kustomize overlay the way `kubectl apply -k` would, offline, and gives typed access to the objects.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './config-env-names';

export type Labels = Record<string, string>;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: 'HTTP' | 'HTTPS' };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string; items?: { key: string }[] };
  secret?: { secretName: string; items?: { key: string }[] };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { fsGroup?: number };
  volumes?: Volume[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
}

/** A Deployment or StatefulSet: anything with a pod template. */
export interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Labels };
    template: { metadata?: { labels?: Labels; annotations?: Labels }; spec: PodSpec };
  };
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'];

export class Manifests {
  constructor(
    readonly overlay: string,
    readonly objects: readonly K8sObject[],
  ) {}

  ofKind<T extends K8sObject = K8sObject>(kind: string): T[] {
    return this.objects.filter((object) => object.kind === kind) as T[];
  }

  find<T extends K8sObject = K8sObject>(kind: string, name: string): T | undefined {
    return this.ofKind<T>(kind).find((object) => object.metadata.name === name);
  }

  /** The object, or a failure naming what the overlay does contain. */
  get<T extends K8sObject = K8sObject>(kind: string, name: string): T {
    const found = this.find<T>(kind, name);
    if (!found) {
      const names = this.ofKind(kind).map((object) => object.metadata.name);
      throw new Error(`${this.overlay}: no ${kind} "${name}" (rendered ${kind}s: ${names.join(', ') || 'none'})`);
    }
    return found;
  }

  workloads(): Workload[] {
    return this.objects.filter((object) => WORKLOAD_KINDS.includes(object.kind)) as Workload[];
  }

  /**
   * A generated ConfigMap or Secret by the name kustomization.yaml gives it: kustomize appends a hash of the content
   * (and rewrites every reference to match), so `platform-config` renders as `platform-config-<hash>`.
   */
  generated(kind: 'ConfigMap' | 'Secret', name: string): K8sObject {
    const pattern = new RegExp(`^${name.replace(/[.]/g, '\\.')}(-[a-z0-9]{10})?$`);
    const matches = this.ofKind(kind).filter((object) => pattern.test(object.metadata.name));
    if (matches.length !== 1) throw new Error(`${this.overlay}: expected one ${kind} ${name}, found ${matches.length}`);
    return matches[0] as K8sObject;
  }
}

/** `kubectl kustomize k8s/overlays/<overlay>`; a render error fails with kustomize's own message. */
export function renderOverlay(overlay: string): Manifests {
  const dir = join(repoRoot, 'k8s', 'overlays', overlay);
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (run.error) {
    throw new Error(`kubectl is needed to render the kustomize overlays (kubectl kustomize): ${run.error.message}`);
  }
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  return new Manifests(overlay, parseManifests(run.stdout, dir));
}

export function parseManifests(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${source}: document ${index} is not valid YAML: ${document.errors[0]?.message}`);
    }
    const object = document.toJS() as K8sObject | null;
    if (object === null) return [];
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !object.metadata?.name) {
      throw new Error(`${source}: document ${index} lacks apiVersion, kind or metadata.name`);
    }
    return [object];
  });
}

/** "Deployment/user-service", for messages. */
export const nameOf = (object: K8sObject): string => `${object.kind}/${object.metadata.name}`;

export const containersOf = (workload: Workload): Container[] => [
  ...(workload.spec.template.spec.initContainers ?? []),
  ...workload.spec.template.spec.containers,
];

/** Whether a label selector (matchLabels only, as every selector here uses) picks these labels. */
export const selects = (selector: Labels | undefined, labels: Labels | undefined): boolean =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
