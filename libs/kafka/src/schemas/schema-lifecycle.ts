// The schema lifecycle: check the event catalog's schemas against a registry, and register them, in version order.
// What `npm run schemas -- check|register` runs (schemas-command.ts); the results are data, formatted separately.
import { eventCatalog, readSchema } from '@kafka-platform/events';
import { catalogContract } from '../contract/catalog-contract';
import { RegistryHttpError } from './registry-api';
import type { IncompatibilityCause, RegistryApi } from './registry-api';

/** One event's subject and its schema versions, ascending. */
export interface CatalogSubject {
  readonly event: string;
  readonly subject: string;
  readonly versions: readonly { readonly version: number; readonly schema: string }[];
}

/** Every catalog event with its subject (namespaced like its topic, see catalogContract) and schema texts. */
export async function catalogSubjects(namespace?: string): Promise<CatalogSubject[]> {
  const contract = catalogContract(namespace);
  return Promise.all(
    Object.values(eventCatalog).map(async (entry) => ({
      event: entry.type,
      subject: contract.subjectFor(entry.type),
      versions: await Promise.all(
        [...entry.versions]
          .sort((a, b) => a - b)
          .map(async (version) => ({ version, schema: await readSchema(entry.type, version) })),
      ),
    })),
  );
}

/**
 * What became of one catalog version:
 * - `registered`: the subject already holds it (`id`, and its `registryVersion` under the subject);
 * - `new-subject`: the subject does not exist yet, so there is nothing to be compatible with;
 * - `compatible` / `incompatible`: not registered yet, and the registry's rule would accept / refuse it (`reasons`);
 * - `not-registered`: (check --registered) not in the registry yet;
 * - `registered-now`: (register) registered by this run;
 * - `failed`: (register) the registry refused it (`reasons`), or an earlier version of the subject failed.
 */
export type VersionStatus =
  'registered' | 'new-subject' | 'compatible' | 'incompatible' | 'not-registered' | 'registered-now' | 'failed';

export interface VersionResult {
  readonly event: string;
  readonly subject: string;
  readonly version: number;
  readonly status: VersionStatus;
  readonly id?: number;
  readonly registryVersion?: number;
  readonly reasons?: readonly string[];
}

export interface SchemasReport {
  readonly command: 'check' | 'register';
  readonly registry: string;
  readonly namespace?: string;
  /** The registry's global compatibility level, as GET /config answers. */
  readonly globalCompatibility: string;
  readonly ok: boolean;
  /** Why the whole run failed beyond its versions (e.g. no global rule to register under). */
  readonly problems: readonly string[];
  readonly results: readonly VersionResult[];
}

const OK_FOR_CHECK: readonly VersionStatus[] = ['registered', 'new-subject', 'compatible'];

/**
 * Checks every catalog version, in version order, against the registry: registered already, on a subject that does
 * not exist yet, or not registered and then compatible or not by the registry's rule, with its reasons. With
 * `registeredOnly`, only whether each version is registered: ok once every one is.
 */
export async function checkSchemas(
  api: RegistryApi,
  subjects: readonly CatalogSubject[],
  { registeredOnly = false, namespace }: { registeredOnly?: boolean; namespace?: string } = {},
): Promise<SchemasReport> {
  const globalCompatibility = await api.globalCompatibility();
  const results: VersionResult[] = [];
  for (const { event, subject, versions } of subjects) {
    const exists = (await api.subjectVersions(subject)).length > 0;
    for (const { version, schema } of versions) {
      const at = { event, subject, version };
      const found = exists ? await api.lookup(subject, schema) : undefined;
      if (found) {
        results.push({ ...at, status: 'registered', id: found.id, registryVersion: found.version });
      } else if (registeredOnly) {
        results.push({ ...at, status: 'not-registered' });
      } else if (!exists) {
        results.push({ ...at, status: 'new-subject' });
      } else {
        const answer = await api.compatibility(subject, schema);
        results.push(
          answer.compatible
            ? { ...at, status: 'compatible' }
            : { ...at, status: 'incompatible', reasons: await reasonsFor(api, subject, schema, answer.messages) },
        );
      }
    }
  }
  const wanted: readonly VersionStatus[] = registeredOnly ? ['registered'] : OK_FOR_CHECK;
  return {
    command: 'check',
    registry: api.url,
    ...(namespace && { namespace }),
    globalCompatibility,
    ok: results.every((result) => wanted.includes(result.status)),
    problems: [],
    results,
  };
}

/**
 * Checks first and registers nothing when a version is incompatible, or when the registry has no global
 * compatibility rule (it would accept any change). Then registers every version in order; an already registered
 * schema gets its id back, so running it again changes nothing. A subject whose version fails keeps its later
 * versions unregistered; other subjects go on.
 */
export async function registerSchemas(
  api: RegistryApi,
  subjects: readonly CatalogSubject[],
  { namespace }: { namespace?: string } = {},
): Promise<SchemasReport> {
  const check = await checkSchemas(api, subjects, { namespace });
  const problems =
    check.globalCompatibility === 'NONE'
      ? [
          `the registry at ${api.url} has no global compatibility rule (NONE), so it would accept any change; ` +
            'give it BACKWARD_TRANSITIVE first (the local stack, docker compose and k8s do so at start)',
        ]
      : [];
  if (!check.ok || problems.length > 0) return { ...check, command: 'register', ok: false, problems };

  const results: VersionResult[] = [];
  for (const { event, subject, versions } of subjects) {
    let failed = false;
    for (const { version, schema } of versions) {
      const at = { event, subject, version };
      const before = check.results.find((result) => result.subject === subject && result.version === version);
      if (failed) {
        results.push({ ...at, status: 'failed', reasons: ['not attempted: an earlier version of the subject failed'] });
      } else if (before?.status === 'registered') {
        results.push(before);
      } else {
        try {
          const { id } = await api.register(subject, schema);
          const registered = await api.lookup(subject, schema);
          results.push({ ...at, status: 'registered-now', id, registryVersion: registered?.version });
        } catch (error) {
          if (!(error instanceof RegistryHttpError)) throw error;
          failed = true;
          results.push({ ...at, status: 'failed', reasons: await refusalReasons(api, subject, schema, error) });
        }
      }
    }
  }
  return { ...check, command: 'register', ok: results.every((result) => result.status !== 'failed'), results };
}

/** The registry's reasons for an incompatible version: Confluent's verbose messages, else Apicurio's dry run. */
async function reasonsFor(api: RegistryApi, subject: string, schema: string, messages: readonly string[]) {
  if (messages.length > 0) return [...messages];
  const causes = await api.explainIncompatibility(subject, schema);
  if (causes) return causes.map((cause) => describeCause(cause, schema));
  return ['the registry gives no reason (it does not support ?verbose=true)'];
}

async function refusalReasons(api: RegistryApi, subject: string, schema: string, error: RegistryHttpError) {
  if (error.status !== 409) return [error.message];
  const causes = await api.explainIncompatibility(subject, schema);
  return causes ? causes.map((cause) => describeCause(cause, schema)) : [error.message];
}

/**
 * An Apicurio cause, readable: the field its JSON pointer (into the new schema) points at, then the registry's own
 * words. Apicurio reports a field added without a default by the field's name alone, so that case says what it means.
 */
export function describeCause(cause: IncompatibilityCause, schema: string): string {
  const field = cause.context ? fieldAt(schema, cause.context) : undefined;
  if (!field) return cause.context ? `${cause.context}: ${cause.description}` : cause.description;
  const where = `field "${field.path}" (${cause.context})`;
  if (cause.description === field.name && !field.hasDefault) {
    return `${where}: "${cause.description}": no default, so this version cannot read data a registered version wrote without it`;
  }
  return `${where}: ${cause.description}`;
}

/** The field a JSON pointer such as /fields/4 or /fields/1/type/fields/0 lands in: its dotted path, and its default. */
function fieldAt(schema: string, pointer: string): { name: string; path: string; hasDefault: boolean } | undefined {
  let node: unknown;
  try {
    node = JSON.parse(schema);
  } catch {
    return undefined;
  }
  const names: string[] = [];
  let field: Record<string, unknown> | undefined;
  const steps = pointer.split('/').filter(Boolean);
  for (let i = 0; i < steps.length; i++) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[steps[i] as string];
    if (steps[i] === 'fields' && i + 1 < steps.length) {
      node = (node as unknown[] | undefined)?.[Number(steps[++i])];
      if (typeof node !== 'object' || node === null) return undefined;
      field = node as Record<string, unknown>;
      names.push(String(field['name']));
    }
  }
  if (!field) return undefined;
  return { name: String(field['name']), path: names.join('.'), hasDefault: 'default' in field };
}

/** The report as plain text, a line per subject and version: what CI logs show. */
export function formatReport(report: SchemasReport): string {
  const lines = [
    `schemas ${report.command}: ${report.registry} (global compatibility ${report.globalCompatibility}; ` +
      `${report.namespace ? `namespace ${report.namespace}` : 'no namespace'})`,
  ];
  if (report.globalCompatibility === 'NONE' && report.command === 'check') {
    lines.push('  note: the registry has no global compatibility rule (NONE): it would accept any change');
  }
  const bySubject = new Map<string, VersionResult[]>();
  for (const result of report.results)
    bySubject.set(result.subject, [...(bySubject.get(result.subject) ?? []), result]);
  for (const [subject, results] of bySubject) {
    if (report.command === 'register') {
      for (const result of results) lines.push(...registerLines(subject, result));
      continue;
    }
    lines.push(`${results[0]?.event} -> ${subject}`);
    for (const result of results) lines.push(...checkLines(result, results[0]?.version ?? 1));
  }
  lines.push(...report.problems.map((problem) => `refused: ${problem}`));
  lines.push(summary(report));
  return lines.join('\n');
}

const idText = (result: VersionResult) =>
  `id ${result.id}${result.registryVersion !== undefined ? `, registry version ${result.registryVersion}` : ''}`;

function checkLines(result: VersionResult, firstVersion: number): string[] {
  const head = `  v${result.version}  `;
  switch (result.status) {
    case 'registered':
      return [`${head}registered (${idText(result)})`];
    case 'new-subject':
      return [
        result.version === firstVersion
          ? `${head}new subject: nothing registered to be compatible with`
          : `${head}new subject: the registry checks it against the versions before it when they are registered`,
      ];
    case 'compatible':
      return [`${head}compatible with the registered versions`];
    case 'not-registered':
      return [`${head}NOT REGISTERED`];
    default:
      return [
        `${head}INCOMPATIBLE with the registered versions:`,
        ...(result.reasons ?? []).map((reason) => `        ${reason}`),
      ];
  }
}

function registerLines(subject: string, result: VersionResult): string[] {
  const head = `${subject} -> v${result.version} -> `;
  switch (result.status) {
    case 'registered':
      return [`${head}id ${result.id} (already registered, registry version ${result.registryVersion})`];
    case 'registered-now':
      return [`${head}id ${result.id} (registered now, registry version ${result.registryVersion ?? '?'})`];
    case 'failed':
      return [`${head}FAILED:`, ...(result.reasons ?? []).map((reason) => `        ${reason}`)];
    case 'incompatible':
      return [`${head}INCOMPATIBLE, not registered:`, ...(result.reasons ?? []).map((reason) => `        ${reason}`)];
    default:
      return [`${head}not registered (${result.status})`];
  }
}

function summary(report: SchemasReport): string {
  const count = (...statuses: VersionStatus[]) => report.results.filter((r) => statuses.includes(r.status));
  const names = (results: VersionResult[]) => results.map((r) => `${r.event} v${r.version}`).join(', ');
  const total = `${report.results.length} version(s) of ${new Set(report.results.map((r) => r.subject)).size} subject(s)`;
  const incompatible = count('incompatible');
  const missing = count('not-registered');
  const failed = count('failed');
  if (report.command === 'register') {
    if (incompatible.length > 0) return `register: refused, nothing registered: incompatible ${names(incompatible)}`;
    if (report.problems.length > 0) return 'register: refused, nothing registered';
    if (failed.length > 0) return `register: FAILED for ${names(failed)}`;
    return `register: ok, ${total} registered (${count('registered-now').length} now, ${count('registered').length} already)`;
  }
  if (incompatible.length > 0) return `check: FAILED, incompatible: ${names(incompatible)}`;
  if (missing.length > 0) {
    return `check: ${missing.length} of ${report.results.length} version(s) not registered yet: ${names(missing)} (npm run schemas -- register)`;
  }
  return `check: ok, ${total}`;
}
