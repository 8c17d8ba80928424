// Tests that start the API as an unprivileged user need that user to read the code. A checkout
// in a private home directory is not readable by it: such tests then run a readable copy of the
// sources (in the temp dir, node_modules linked), or skip with the reason when even that
// cannot work (node_modules themselves unreadable).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './child-api';

export type UnprivilegedCheckout =
  { root: string; cleanup(): void } | { root?: undefined; skipReason: string };

/** What the API's entry points need: the sources, the TypeScript config, the loader. */
const SOURCES = ['apps', 'libs', 'bench', 'tsconfig.json', 'package.json'];

/** Whether `uid` can enter `root`, read the API's entry point and load the TypeScript loader. */
function readableBy(root: string, ids: { uid: number; gid: number }): boolean {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const fs = require('fs');
       fs.accessSync('apps/api/src/main.ts', fs.constants.R_OK);
       fs.accessSync(require.resolve('@swc-node/register', { paths: [process.cwd()] }), fs.constants.R_OK);`,
    ],
    { cwd: root, ...ids, stdio: 'ignore' },
  );
  return probe.status === 0;
}

export function unprivilegedCheckout(ids: { uid: number; gid: number }): UnprivilegedCheckout {
  if (readableBy(REPO_ROOT, ids)) return { root: REPO_ROOT, cleanup: () => undefined };
  const copy = mkdtempSync(join(tmpdir(), 'rapport-readable-checkout-'));
  for (const entry of SOURCES)
    cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  const modules = realpathSync(join(REPO_ROOT, 'node_modules'));
  symlinkSync(modules, join(copy, 'node_modules'));
  // The copy keeps the checkout's modes (a private umask): open it to everyone.
  execFileSync('chmod', ['-R', 'a+rX', copy]);
  if (readableBy(copy, ids))
    return { root: copy, cleanup: () => rmSync(copy, { recursive: true, force: true }) };
  rmSync(copy, { recursive: true, force: true });
  return {
    skipReason:
      `uid ${ids.uid} can read neither the checkout (${REPO_ROOT}) nor its node_modules ` +
      `(${modules}); run these tests from a checkout that user can read, or as a user other than root`,
  };
}
