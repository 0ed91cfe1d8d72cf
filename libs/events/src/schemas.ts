import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The event types whose Avro schemas this library owns, by their wire name. */
export const EVENT_TYPES = ['new_user'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

// Schemas live beside src/ and dist/ alike, one folder up from either.
const schemaRoot = join(__dirname, '..', 'schemas');

/** The Avro schema text of one version of an event, exactly as committed. */
export async function readSchema(type: EventType, version: number): Promise<string> {
  if (!EVENT_TYPES.includes(type)) throw new Error(`Unknown event type "${type}"`);
  if (!Number.isInteger(version) || version < 1) throw new Error(`Invalid schema version ${version} for ${type}`);
  return readFile(join(schemaRoot, type, `v${version}.avsc`), 'utf8');
}
