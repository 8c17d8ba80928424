import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');
const SOURCES = [
  join(ROOT, 'apps', 'console'),
  join(ROOT, 'libs', 'contracts', 'src', 'read-api.ts'),
];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/**
 * Builds the console into dist/console (what GET /console serves) unless the build there is
 * newer than its sources: once per test run (Jest's globalSetup), a few seconds when needed.
 */
export function ensureConsoleBuilt(): void {
  const page = join(CONSOLE_DIST, 'index.html');
  if (existsSync(page) && statSync(page).mtimeMs >= Math.max(...SOURCES.map(newest))) return;
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'apps/console/vite.config.mjs',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** One of the built console's hashed asset names (for the route audit's sample call). */
export function consoleAssetName(): string {
  const name = readdirSync(join(CONSOLE_DIST, 'assets')).find((file) => file.endsWith('.js'));
  if (!name) throw new Error('the console build has no script');
  return name;
}

export default function globalSetup(): void {
  ensureConsoleBuilt();
}
