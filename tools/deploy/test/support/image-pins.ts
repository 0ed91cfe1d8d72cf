// The image pins in the root .env: the one place docker-compose.yml, the Dockerfiles' NODE_IMAGE default and the
// Testcontainers helper take their image versions from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './config-env-names';

/** KEY=value lines of a dotenv file; comments and blank lines skipped, no quoting (.env holds image names only). */
export function parseDotenv(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1] as string, (match[2] as string).trim()] as const);
  return new Map(entries);
}

export const imagePins = (): Map<string, string> => parseDotenv(readFileSync(join(repoRoot, '.env'), 'utf8'));

/**
 * Pinned = a digest, or a tag that names a version: present, not `latest`, with a digit in it (`node:24.21.0-…`,
 * `v1.27.10`). `postgres`, `postgres:latest` and `postgres:alpine` all move under you.
 */
export function isPinnedImage(reference: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return true;
  const lastSlash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon <= lastSlash) return false; // no tag (a colon before the last slash is a registry port)
  const tag = reference.slice(colon + 1);
  return tag !== 'latest' && /\d/.test(tag);
}
