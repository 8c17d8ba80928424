import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where `npm run build` puts the console (dist/console): found from the compiled API
 * (dist/apps/api/src/console) and from its sources run through swc (apps/api/src/console).
 */
export function consoleDir(from: string = __dirname): string {
  const up = resolve(from, '..', '..', '..', '..');
  const candidates = [resolve(up, 'console'), resolve(up, 'dist', 'console')];
  return candidates.find((dir) => existsSync(resolve(dir, 'index.html'))) ?? candidates[1]!;
}

/** Vite's hashed asset names: a name changes with its content, so it may be cached for good. */
export const ASSET_NAME = /^[\w.-]+-[\w-]{8,}\.(js|css|svg|png|woff2?)$/;
