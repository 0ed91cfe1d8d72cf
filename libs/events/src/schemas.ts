import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The event types whose Avro schemas this library owns, by their wire name. */
export const EVENT_TYPES = [
  'new_user',
  'user_updated',
  'user_deleted',
  'signups_per_minute',
  'signup_by_domain',
  'user_key',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Whether a wire name (say, from a record header) is an event type this library knows. */
export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);

// Schemas live beside src/ and dist/ alike, one folder up from either.
const schemaRoot = join(__dirname, '..', 'schemas');
const SCHEMA_FILE = /^v([1-9][0-9]*)\.avsc$/;

function assertEventType(type: string): asserts type is EventType {
  if (!isEventType(type)) throw new Error(`Unknown event type "${type}"; known: ${EVENT_TYPES.join(', ')}`);
}

/** The Avro schema text of one version of an event, exactly as committed. */
export async function readSchema(type: EventType, version: number): Promise<string> {
  assertEventType(type);
  if (!Number.isInteger(version) || version < 1) throw new Error(`Invalid schema version ${version} for ${type}`);
  return readFile(join(schemaRoot, type, `v${version}.avsc`), 'utf8');
}

/** The schema versions committed for an event, ascending: what is on disk, whatever the catalog claims. */
export async function schemaVersions(type: EventType): Promise<number[]> {
  assertEventType(type);
  const files = await readdir(join(schemaRoot, type));
  const versions = files.map((file) => SCHEMA_FILE.exec(file)?.[1]).filter((version) => version !== undefined);
  return versions.map(Number).sort((a, b) => a - b);
}
