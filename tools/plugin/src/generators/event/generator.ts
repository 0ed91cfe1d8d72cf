import { join } from 'node:path';
import { formatFiles, generateFiles, names, runTasksInSerial } from '@nx/devkit';
import type { GeneratorCallback, Tree } from '@nx/devkit';
import { regenerateDerivedFiles } from '../../workspace/derived-files.js';
import { consumerAcls, grantKafkaUser, producerAcls } from '../../workspace/kafka-users.js';
import {
  addNamedSpecifier,
  appendToArrayConst,
  appendToObjectConst,
  readArrayConst,
  registerInModule,
  stringConstants,
} from '../../workspace/source-edit.js';
import { addConsumerScaling } from '../../workspace/deploy-files.js';
import { assertService, serviceFiles, servicePort } from '../../workspace/services.js';

export interface EventGeneratorSchema {
  name: string;
  topic?: string;
  keyField?: string;
  producer?: string;
  /** Comma-separated, as Nx passes a string option from the command line. */
  consumers?: string | string[];
}

const EVENTS = 'libs/events';
const SCHEMAS_FILE = `${EVENTS}/src/schemas.ts`;
const CATALOG_FILE = `${EVENTS}/src/catalog.ts`;
const TOPICS_FILE = `${EVENTS}/src/topics.ts`;
const INDEX_FILE = `${EVENTS}/src/index.ts`;
const WIRE_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const TOPIC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface NormalizedEvent {
  readonly name: string;
  readonly entity: string;
  readonly topic: string;
  readonly keyField: string;
  readonly producer: string;
  readonly consumers: string[];
  readonly recordName: string;
  readonly namespace: string;
}

export function normalizeEventOptions(tree: Tree, options: EventGeneratorSchema): NormalizedEvent {
  const name = options.name;
  if (!WIRE_NAME.test(name))
    throw new Error(`"${name}": an event is named in snake_case, two words or more (order_placed)`);
  if (readArrayConst(tree, SCHEMAS_FILE, 'EVENT_TYPES').includes(name) || tree.exists(`${EVENTS}/schemas/${name}`)) {
    throw new Error(`event "${name}" exists already; a change to it is a new schema version, not a new event`);
  }
  // The aggregate the event is about: its first word (order_placed is about an order).
  const entity = name.split('_')[0];
  const topic = options.topic ?? `${entity}-events`;
  if (!TOPIC_NAME.test(topic)) throw new Error(`topic "${topic}": lower-case letters, digits and dashes`);
  const producer = options.producer ?? 'user-service';
  assertService(tree, producer, 'producer');
  const consumers = (Array.isArray(options.consumers) ? options.consumers : (options.consumers ?? '').split(','))
    .map((consumer) => consumer.trim())
    .filter(Boolean);
  for (const consumer of consumers) assertService(tree, consumer, 'consumer');
  return {
    name,
    entity,
    topic,
    keyField: options.keyField ?? `${names(entity).propertyName}Id`,
    producer,
    consumers: [...new Set(consumers)],
    recordName: names(name).className,
    namespace: `dev.kafkaplatform.${entity}s`,
  };
}

/** The topic's constant in libs/events/src/topics.ts, added (and exported) when the topic is new. */
function topicConstant(tree: Tree, topic: string): string {
  const existing = stringConstants(tree, TOPICS_FILE).get(topic);
  if (existing) return existing;
  const constant = `${names(topic).constantName}_TOPIC`;
  tree.write(
    TOPICS_FILE,
    `${tree.read(TOPICS_FILE, 'utf-8')}\n/** One topic per aggregate keeps each one's events in order. */\nexport const ${constant} = '${topic}';\n`,
  );
  addNamedSpecifier(tree, INDEX_FILE, 'export', './topics', constant);
  return constant;
}

function addToCatalog(tree: Tree, event: NormalizedEvent): void {
  appendToArrayConst(tree, SCHEMAS_FILE, 'EVENT_TYPES', [`'${event.name}'`]);
  const groups = readArrayConst(tree, CATALOG_FILE, 'CONSUMER_GROUPS');
  appendToArrayConst(
    tree,
    CATALOG_FILE,
    'CONSUMER_GROUPS',
    event.consumers.filter((consumer) => !groups.includes(consumer)).map((consumer) => `'${consumer}'`),
  );
  const constant = topicConstant(tree, event.topic);
  addNamedSpecifier(tree, CATALOG_FILE, 'import', './topics', constant);
  appendToObjectConst(
    tree,
    CATALOG_FILE,
    'eventCatalog',
    `${event.name}: {
      type: '${event.name}',
      topic: ${constant},
      keyField: '${event.keyField}',
      versions: [1],
      latestVersion: 1,
      recordName: '${event.namespace}.${event.recordName}',
      producer: '${event.producer}',
      consumerGroups: [${event.consumers.map((consumer) => `'${consumer}'`).join(', ')}],
    }`,
  );
}

function addHandler(tree: Tree, event: NormalizedEvent, consumer: string): void {
  const service = serviceFiles(consumer);
  const fileName = names(event.name).fileName;
  const className = names(event.name).className;
  const target = `${service.root}/src/${fileName}`;
  generateFiles(tree, join(import.meta.dirname, 'files', 'handler'), target, {
    ...event,
    moduleClass: service.moduleClass,
    databaseRole: service.databaseRole,
    service: consumer,
    fileName,
    className,
    methodName: `on${className}`,
    payloadName: names(event.entity).propertyName,
    payloadType: `${className}V1`,
  });
  // Event handlers are controllers: the Kafka transport serves their @EventPattern methods.
  registerInModule(tree, service.moduleFile, 'controllers', `${className}Handler`, `./${fileName}/${fileName}.handler`);
}

export async function eventGenerator(tree: Tree, options: EventGeneratorSchema): Promise<GeneratorCallback> {
  const event = normalizeEventOptions(tree, options);
  generateFiles(tree, join(import.meta.dirname, 'files', 'schema'), `${EVENTS}/schemas/${event.name}`, event);
  addToCatalog(tree, event);
  for (const consumer of event.consumers) addHandler(tree, event, consumer);
  // Least privilege in prod: the producer may write the topic, each consumer read it and write its own DLQ.
  grantKafkaUser(tree, event.producer, producerAcls(event.topic));
  for (const consumer of event.consumers) {
    grantKafkaUser(tree, consumer, consumerAcls(event.topic, consumer));
    // A consumer's first event names its group in the catalog: prod then scales it on that group's lag.
    addConsumerScaling(tree, { ...serviceFiles(consumer), port: servicePort(tree, consumer) ?? 0 }, event.topic);
  }
  await formatFiles(tree);
  return runTasksInSerial(regenerateDerivedFiles(tree.root), () => printNextSteps(event));
}

function printNextSteps(event: NormalizedEvent): void {
  console.log(`
${event.name} is in the catalog (libs/events/schemas/${event.name}/v1.avsc, topic ${event.topic}, key ${event.keyField}).
Next: describe the event in its schema, write the handler body${event.consumers.length ? ` (${event.consumers.join(', ')})` : ''},
publish it from the ${event.producer} through its outbox, and run the tests:
  npx nx run-many -t lint typecheck test -p events ${event.consumers.join(' ')}`);
}

export default eventGenerator;
