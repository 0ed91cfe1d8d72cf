import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The container images Testcontainers runs. They come from the repo root `.env`, the file docker-compose.yml
 * interpolates (`${KAFKA_IMAGE}` etc.), so tests and `docker compose up` always run the same versions.
 */
export interface ImagePins {
  readonly kafka: string;
  readonly apicurio: string;
  readonly postgres: string;
  readonly mailpit: string;
  /** The OpenID Connect provider (docker compose, k8s/overlays/dev; the local stack runs the same version). */
  readonly keycloak: string;
}

/** `.env` variable per pin: the names docker-compose.yml uses. */
export const IMAGE_PIN_VARS: Readonly<Record<keyof ImagePins, string>> = {
  kafka: 'KAFKA_IMAGE',
  apicurio: 'APICURIO_IMAGE',
  postgres: 'POSTGRES_IMAGE',
  mailpit: 'MAILPIT_IMAGE',
  keycloak: 'KEYCLOAK_IMAGE',
};

/** The repo root: the nearest folder upwards holding both `.env` and `nx.json` (works from src and from dist). */
export function findRepoRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.env')) && existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`No folder with both .env and nx.json above ${start}: cannot find the image pins.`);
    }
  }
}

/** `KEY=value` lines as compose reads them: comments and blank lines skipped, surrounding quotes removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key = '', value = ''] = match;
    values[key] = value.replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** The tag of `name:tag` (a registry host's `:port` is not a tag); undefined when the image has none. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon === -1 ? undefined : lastSegment.slice(colon + 1) || undefined;
}

/** The pins from `.env` text; every pin must be present and carry a version tag (never `latest`) or a digest. */
export function imagePinsFrom(text: string, source = '.env'): ImagePins {
  const values = parseEnvFile(text);
  const pin = (key: keyof ImagePins): string => {
    const name = IMAGE_PIN_VARS[key];
    const image = values[name];
    if (!image) throw new Error(`${name} is missing from ${source}; docker-compose.yml and Testcontainers need it.`);
    const tag = imageTag(image);
    const pinned = image.includes('@sha256:') || (tag !== undefined && tag !== 'latest');
    if (!pinned) {
      throw new Error(`${name}=${image} in ${source} is not pinned: give it a version tag (not latest).`);
    }
    return image;
  };
  return {
    kafka: pin('kafka'),
    apicurio: pin('apicurio'),
    postgres: pin('postgres'),
    mailpit: pin('mailpit'),
    keycloak: pin('keycloak'),
  };
}

/** Reads the image pins from the repo root `.env`. */
export function readImagePins(root: string = findRepoRoot()): ImagePins {
  const file = join(root, '.env');
  return imagePinsFrom(readFileSync(file, 'utf8'), file);
}
