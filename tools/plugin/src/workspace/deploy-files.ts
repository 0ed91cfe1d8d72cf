// What a new service adds to the deployment files: its compose service, its Kubernetes manifests in k8s/base and
// both overlays, the Prometheus target and its audience in the development realm. Each is the email-service's own
// entry (the template consumer app, as for the Dockerfile) with the name, database and ports swapped, so a change to
// how the services are deployed reaches generated ones without a second copy to keep in step; tools/deploy's tests
// check the result like every other service's.
import type { Tree } from '@nx/devkit';
import { isMap, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document, Node, YAMLMap, YAMLSeq } from 'yaml';
import { groupAcl, grantKafkaUser, idempotentWrite } from './kafka-users.js';
import type { ServiceFiles } from './services.js';
import { editYamlDocument, findObject } from './yaml-edit.js';

/** The service whose deployment entries a new service copies: a thin consumer with a database, like a new one. */
export const TEMPLATE_SERVICE = { name: 'email-service', databaseRole: 'email_service', port: 3002 } as const;
export const MANAGEMENT_OFFSET = 6000;

export interface NewService extends ServiceFiles {
  readonly port: number;
}

/** The template's text with the new service's name, database and ports in its place. */
export function fromTemplate(text: string, service: NewService): string {
  return text
    .replaceAll(TEMPLATE_SERVICE.name, service.name)
    .replaceAll(TEMPLATE_SERVICE.databaseRole, service.databaseRole)
    .replace(new RegExp(`\\b${TEMPLATE_SERVICE.port}\\b`, 'g'), String(service.port))
    .replace(
      new RegExp(`\\b${TEMPLATE_SERVICE.port + MANAGEMENT_OFFSET}\\b`, 'g'),
      String(service.port + MANAGEMENT_OFFSET),
    );
}

/**
 * A copy of a template node (a compose service, a k8s object, a list entry) rewritten for the new service: every
 * string, key and port number in it. Comments, anchors and aliases are kept.
 */
export function copyForService<T extends Node>(node: T, service: NewService): T {
  const copy = node.clone() as T;
  const ports = new Map([
    [TEMPLATE_SERVICE.port, service.port],
    [TEMPLATE_SERVICE.port + MANAGEMENT_OFFSET, service.port + MANAGEMENT_OFFSET],
  ]);
  visit(copy, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string') scalar.value = fromTemplate(scalar.value, service);
      else if (typeof scalar.value === 'number') scalar.value = ports.get(scalar.value) ?? scalar.value;
    },
  });
  return copy;
}

/** The template's SMTP settings and Secret: the email-service's own, not every service's. */
const isMailSetting = (name: unknown): boolean => typeof name === 'string' && /^SMTP_/.test(name);

const COMPOSE = 'docker-compose.yml';
const COMPOSE_THREE_BROKERS = 'docker-compose.three-brokers.yml';

function addComposeServices(tree: Tree, service: NewService): void {
  for (const file of [COMPOSE, COMPOSE_THREE_BROKERS]) {
    editYamlDocument(tree, file, (document) => {
      const services = document.get('services') as YAMLMap;
      if (services.has(service.name)) return;
      const template = services.get(TEMPLATE_SERVICE.name, true);
      if (!template) throw new Error(`${file}: no ${TEMPLATE_SERVICE.name} service to model ${service.name} on`);
      const entry = copyForService(template as unknown as YAMLMap, service);
      const environment = entry.get('environment');
      if (isMap(environment)) environment.items = environment.items.filter((pair) => !isMailSetting(String(pair.key)));
      // The three-broker file's depends_on is an alias of the nodes every client waits for: left as it is.
      const dependsOn = entry.get('depends_on', true);
      if (isMap(dependsOn)) dependsOn.delete('mailpit');
      // After the template's last sibling app, so the apps stay together at the end of the file.
      services.items.push(document.createPair(service.name, entry));
    });
  }
  editYamlDocument(tree, 'deploy/prometheus/prometheus.yml', (document) => {
    const targets = document.getIn(['scrape_configs', 0, 'static_configs', 0, 'targets']) as YAMLSeq;
    const target = `${service.name}:${service.port + MANAGEMENT_OFFSET}`;
    if (!targets.items.some((item) => String((item as { value?: unknown }).value ?? item) === target)) {
      const node = document.createNode(target);
      node.type = 'QUOTE_SINGLE';
      targets.add(node);
    }
  });
}

/**
 * The JSON object (as text) whose line holds `marker`, from its opening `{` to the `}` at the same indentation. The
 * realm file is laid out by hand (short objects on one line): copying text keeps that layout, a JSON rewrite would not.
 */
function jsonObjectAround(text: string, marker: string): { start: number; end: number; indent: string } | undefined {
  const at = text.indexOf(marker);
  if (at < 0) return undefined;
  const open = /\n( *)\{\n[^{]*$/.exec(text.slice(0, at));
  if (!open) return undefined;
  const indent = open[1] ?? '';
  const start = open.index + 1;
  const close = text.indexOf(`\n${indent}}`, at);
  return close < 0 ? undefined : { start, end: close + indent.length + 2, indent };
}

/** The development realm's audience for the service: a bearer-only client, and the mapper the browser's client uses. */
function addRealmClient(tree: Tree, service: NewService): void {
  const file = 'deploy/keycloak/kafka-platform-realm.json';
  let text = tree.read(file, 'utf-8') ?? '';
  if (text.includes(`"clientId": "${service.name}"`)) return;
  for (const marker of [`"clientId": "${TEMPLATE_SERVICE.name}"`, `"name": "audience ${TEMPLATE_SERVICE.name}"`]) {
    const object = jsonObjectAround(text, marker);
    if (!object) throw new Error(`${file}: no object with ${marker} to model ${service.name}'s on`);
    const copy = fromTemplate(text.slice(object.start, object.end), service);
    text = `${text.slice(0, object.end)},\n${copy}${text.slice(object.end)}`;
  }
  // Still JSON, so Keycloak imports it (and a broken copy fails here, not at the realm import).
  JSON.parse(text);
  tree.write(file, text);
}

const BASE = 'k8s/base';
const DEV = 'k8s/overlays/dev';
const PROD = 'k8s/overlays/prod';
/** The prod patches that hold one Deployment patch per service (credentials, registry login, TLS, schema gate). */
const PROD_SERVICE_PATCHES = [
  'patches/service-credentials.yaml',
  'patches/schemas-registered.yaml',
  'patches/registry-clients.yaml',
  'patches/database-tls.yaml',
].map((file) => `${PROD}/${file}`);

/** Appends a copy of the template's object of this kind in a multi-document file, unless the service has one. */
function copyObject(
  tree: Tree,
  file: string,
  kind: string,
  service: NewService,
  adjust?: (copy: Document) => void,
  suffix = '',
) {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} does not exist`);
  const documents = parseAllDocuments(text) as Document[];
  if (findObject(documents, kind, `${service.name}${suffix}`)) return;
  const template = findObject(documents, kind, `${TEMPLATE_SERVICE.name}${suffix}`);
  if (!template) throw new Error(`${file}: no ${kind} ${TEMPLATE_SERVICE.name}${suffix} to model ${service.name}'s on`);
  const copy = new (template.constructor as typeof Document)(copyForService(template.contents as Node, service));
  // A comment before the template's object is about it or the whole file, not about the copy.
  copy.commentBefore = null;
  if (copy.contents) copy.contents.commentBefore = null;
  adjust?.(copy);
  // Appended as text, so every existing document keeps its exact layout.
  tree.write(file, `${text.trimEnd()}\n---\n${copy.toString({ lineWidth: 0 })}`);
}

/** After the last entry of a list that matches, or at its end: the services' entries stay together. */
function insertAfterLast(list: YAMLSeq, match: (item: unknown) => boolean, item: unknown): void {
  const items = list.items.map((candidate) =>
    isMap(candidate) || isSeq(candidate) ? candidate.toJSON() : String(candidate),
  );
  const last = items.findLastIndex(match);
  list.items.splice(last < 0 ? list.items.length : last + 1, 0, item as never);
}

/** A list of a kustomization.yaml, by key. */
const listOf = (document: Document, key: string): YAMLSeq => {
  const list = document.get(key, true);
  if (!isSeq(list)) throw new Error(`kustomization.yaml has no ${key} list`);
  return list;
};

const namedEntry = (list: YAMLSeq, name: string): YAMLMap | undefined =>
  list.items.find((item): item is YAMLMap => isMap(item) && item.get('name') === name);

function addBaseManifests(tree: Tree, service: NewService): void {
  const template = tree.read(`${BASE}/apps/${TEMPLATE_SERVICE.name}.yaml`, 'utf-8');
  if (template === null) throw new Error(`${BASE}/apps/${TEMPLATE_SERVICE.name}.yaml is missing`);
  // The template's header says what the email-service does; the new service's says where to describe its own.
  const body = template.replace(/^(#[^\n]*\n)+/, '');
  tree.write(
    `${BASE}/apps/${service.name}.yaml`,
    `# ${service.name}: consumer group "${service.name}" (nx g @kafka-platform/plugin:service); its settings in\n` +
      `# ${service.name}-config, its database URL in the ${service.name}-database Secret.\n` +
      fromTemplate(body, service).replaceAll('SMTP, ', ''),
  );
  editYamlDocument(tree, `${BASE}/kustomization.yaml`, (document) => {
    const resources = listOf(document, 'resources');
    const resource = `apps/${service.name}.yaml`;
    if (!resources.items.some((item) => String(item) === resource)) {
      insertAfterLast(resources, (item) => String(item).startsWith('apps/'), document.createNode(resource));
    }
    const configs = listOf(document, 'configMapGenerator');
    const templateConfig = namedEntry(configs, `${TEMPLATE_SERVICE.name}-config`);
    if (!templateConfig) throw new Error(`${BASE}/kustomization.yaml: no ${TEMPLATE_SERVICE.name}-config`);
    if (!namedEntry(configs, `${service.name}-config`)) {
      const config = copyForService(templateConfig, service);
      const literals = config.get('literals') as YAMLSeq;
      literals.items = literals.items.filter((item) => !isMailSetting(String(item)));
      insertAfterLast(configs, (item) => /-service-config$/.test(String((item as { name?: string }).name)), config);
    }
    const images = listOf(document, 'images');
    const image = images.items.find(
      (item) => isMap(item) && String(item.get('name')).endsWith(`/${TEMPLATE_SERVICE.name}`),
    ) as YAMLMap | undefined;
    if (!image) throw new Error(`${BASE}/kustomization.yaml: no image of ${TEMPLATE_SERVICE.name}`);
    if (!images.items.some((item) => isMap(item) && String(item.get('name')).endsWith(`/${service.name}`))) {
      images.add(copyForService(image, service));
    }
  });
  copyObject(tree, `${BASE}/network-policies.yaml`, 'NetworkPolicy', service);
}

function addDevManifests(tree: Tree, service: NewService): void {
  editYamlDocument(tree, `${DEV}/kustomization.yaml`, (document) => {
    const secrets = listOf(document, 'secretGenerator');
    const template = namedEntry(secrets, `${TEMPLATE_SERVICE.name}-database`);
    if (!template) throw new Error(`${DEV}/kustomization.yaml: no ${TEMPLATE_SERVICE.name}-database Secret`);
    if (!namedEntry(secrets, `${service.name}-database`)) {
      insertAfterLast(
        secrets,
        (item) => /-service-database$/.test(String((item as { name?: string }).name)),
        copyForService(template, service),
      );
    }
  });
  // The dev PostgreSQL creates a role and database per name of this list when it first starts.
  const script = `${DEV}/postgres/init-databases.sh`;
  const text = tree.read(script, 'utf-8') ?? '';
  const list = /^for name in ([a-z_ ]+); do$/m.exec(text);
  if (!list?.[1]) throw new Error(`${script}: no "for name in ...; do" list of databases`);
  const names = list[1].split(' ');
  if (!names.includes(service.databaseRole)) {
    names.splice(names.indexOf(TEMPLATE_SERVICE.databaseRole) + 1, 0, service.databaseRole);
    tree.write(script, text.replace(list[0], `for name in ${names.join(' ')}; do`));
  }
}

function addProdManifests(tree: Tree, service: NewService): void {
  for (const file of PROD_SERVICE_PATCHES) {
    copyObject(tree, file, 'Deployment', service, (copy) => {
      // The template's own Secrets beyond every service's (its SMTP login) stay its own.
      visit(copy, {
        Map(_, map) {
          if (isMailSetting(map.get('name'))) return visit.REMOVE;
          return undefined;
        },
      });
    });
  }
  editYamlDocument(tree, `${PROD}/kustomization.yaml`, (document) => {
    // The schema gate's init container runs the image of the service container it belongs with.
    const replacements = listOf(document, 'replacements');
    const sourceName = (item: unknown) => (isMap(item) ? (item.getIn(['source', 'name']) as string) : undefined);
    if (replacements.items.some((item) => sourceName(item) === service.name)) return;
    const template = replacements.items.find((item) => sourceName(item) === TEMPLATE_SERVICE.name);
    if (!isMap(template)) throw new Error(`${PROD}/kustomization.yaml: no replacement from ${TEMPLATE_SERVICE.name}`);
    replacements.add(copyForService(template, service));
  });
  // Prod authorizes every Kafka client by ACL: the new consumer may join its group (its topics come with its events).
  grantKafkaUser(tree, service.name, [groupAcl(service.name), idempotentWrite]);
}

/** Everything a new service adds to docker compose, Prometheus, the dev realm and the Kubernetes manifests. */
export function addServiceDeployment(tree: Tree, service: NewService): void {
  addComposeServices(tree, service);
  addRealmClient(tree, service);
  addBaseManifests(tree, service);
  addDevManifests(tree, service);
  addProdManifests(tree, service);
}

/**
 * Prod scales a consumer with KEDA on its group's lag on a topic it consumes (k8s/overlays/prod/keda.yaml): added with
 * the first event the service consumes, as the catalog only then names its group. Its maximum stays the template's,
 * which the k8s test holds to the topic's partitions.
 */
export function addConsumerScaling(tree: Tree, service: NewService, topic: string): void {
  const file = `${PROD}/keda.yaml`;
  copyObject(tree, file, 'ScaledObject', service, (copy) =>
    copy.setIn(['spec', 'triggers', 0, 'metadata', 'topic'], topic),
  );
  copyObject(tree, file, 'TriggerAuthentication', service, undefined, '-kafka');
}
