import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface WebAsset {
  readonly contentType: string;
  readonly body: Buffer;
  /** A strong validator, so a reload costs a 304 instead of the file. */
  readonly etag: string;
}

/** The static page, read once at start; requests are served from memory. */
export type WebAssets = ReadonlyMap<string, WebAsset>;
export const WEB_ASSETS = Symbol('WEB_ASSETS');

export const WEB_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  // The event catalog, rendered from docs/asyncapi.yaml (npm run generate:asyncapi).
  'catalog.html': 'text/html; charset=utf-8',
};

/**
 * Where the page lives: next to this file's folder in the sources (src/web, tests), or, for the built app
 * (dist/web-page/*.js), back in src/web, since tsc copies no non-TS files.
 */
export const webFolderCandidates = (here = __dirname): string[] => [
  resolve(here, '..', 'web'),
  resolve(here, '..', '..', 'src', 'web'),
];

export async function loadWebAssets(candidates = webFolderCandidates()): Promise<WebAssets> {
  const folder = await firstWithPage(candidates);
  const entries = await Promise.all(
    Object.entries(WEB_FILES).map(async ([file, contentType]) => {
      const body = await readFile(join(folder, file));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      return [file, { contentType, body, etag }] as const;
    }),
  );
  return new Map(entries);
}

async function firstWithPage(candidates: readonly string[]): Promise<string> {
  for (const folder of candidates) {
    const found = await access(join(folder, 'index.html')).then(
      () => true,
      () => false,
    );
    if (found) return folder;
  }
  throw new Error(`The dashboard page (index.html) is in none of ${candidates.join(', ')}`);
}
