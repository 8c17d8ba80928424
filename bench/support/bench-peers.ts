// Benchmark peers (other projects measured beside ours) are not dependencies of Rapport: some
// compile native code (Emmett's sqlite3), which would make every `npm ci` slow for everyone.
// A benchmark that needs them calls ensureBenchPeers(), which installs them once into
// .cache/bench-peers (its own package.json, so each benchmark's peers add up) and loads them
// from there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export interface BenchPeer {
  /** An exact version: a figure in bench/RESULTS.md names what it was measured against. */
  version: string;
  /** The package runs an install script (e.g. a native build) that npm must allow. */
  installScript?: boolean;
}

/** Emmett 0.38.5 and the native sqlite3 its SQLite event store runs on. */
export const EMMETT_SQLITE_PEERS: Record<string, BenchPeer> = {
  '@event-driven-io/emmett': { version: '0.38.5' },
  '@event-driven-io/emmett-sqlite': { version: '0.38.5' },
  sqlite3: { version: '5.1.7', installScript: true },
};

/** The same, behind Express: the HTTP benchmark's peer (log a contact over HTTP). */
export const EMMETT_EXPRESS_PEERS: Record<string, BenchPeer> = {
  ...EMMETT_SQLITE_PEERS,
  express: { version: '4.22.3' },
};

export const DEFAULT_PEERS_DIR = resolve(__dirname, '..', '..', '.cache', 'bench-peers');

interface PeersManifest {
  name: string;
  private: true;
  description: string;
  dependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
}

export interface EnsureOptions {
  dir?: string;
  /** Where the notice and npm's output go (npm's own output is inherited). */
  log?: (line: string) => void;
  /** The npm executable (tests pass a fake one). */
  npm?: string;
}

/**
 * Installs the given peers into the cache dir unless they are there at these versions, then
 * returns a `require` that resolves from that dir. Says what it installs, and where, before
 * doing so; throws with npm's exit status if the install fails.
 */
export function ensureBenchPeers(
  peers: Record<string, BenchPeer>,
  options: EnsureOptions = {},
): NodeJS.Require {
  const dir = options.dir ?? DEFAULT_PEERS_DIR;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const missing = Object.entries(peers).filter(
    ([name, peer]) => installedVersion(dir, name) !== peer.version,
  );
  if (missing.length > 0) {
    const manifest = readManifest(dir);
    for (const [name, peer] of Object.entries(peers)) {
      manifest.dependencies[name] = peer.version;
      if (peer.installScript) manifest.allowScripts[name] = true;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const native = missing.filter(([, peer]) => peer.installScript).map(([name]) => name);
    log(
      `bench: installing benchmark peers ${missing.map(([name, peer]) => `${name}@${peer.version}`).join(', ')} ` +
        `into ${dir} (once; not a dependency of Rapport, later runs reuse them)` +
        (native.length > 0 ? `; ${native.join(', ')} compiles native code: minutes` : ''),
    );
    const npm = options.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm');
    const result = spawnSync(
      npm,
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel', 'error'],
      { stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
    );
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(`npm install of the benchmark peers into ${dir} failed (${result.status})`);
    }
    const stillMissing = Object.entries(peers).filter(
      ([name, peer]) => installedVersion(dir, name) !== peer.version,
    );
    if (stillMissing.length > 0) {
      throw new Error(
        `after npm install, ${dir} still lacks ${stillMissing.map(([name, peer]) => `${name}@${peer.version}`).join(', ')}`,
      );
    }
  } else {
    log(`bench: using benchmark peers from ${dir}`);
  }
  return createRequire(join(dir, 'package.json'));
}

function installedVersion(dir: string, name: string): string | undefined {
  const file = join(dir, 'node_modules', ...name.split('/'), 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

/** The cache dir's own package.json: every peer any benchmark asked for, so none is pruned. */
function readManifest(dir: string): PeersManifest {
  const file = join(dir, 'package.json');
  const fresh: PeersManifest = {
    name: 'rapport-bench-peers',
    private: true,
    description: 'Written by bench/support/bench-peers.ts: projects the benchmarks compare with',
    dependencies: {},
    allowScripts: {},
  };
  if (!existsSync(file)) return fresh;
  const existing = JSON.parse(readFileSync(file, 'utf8')) as Partial<PeersManifest>;
  return {
    ...fresh,
    dependencies: { ...existing.dependencies },
    allowScripts: { ...existing.allowScripts },
  };
}
