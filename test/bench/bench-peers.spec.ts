// The benchmark peers' installer: installs once into its cache dir, says so, reuses, keeps the
// peers of every benchmark, and fails loudly. npm is replaced by a script that installs the
// manifest's dependencies as tiny local packages, so the test needs no registry.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBenchPeers } from '../../bench/support/bench-peers';

const FAKE_NPM = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_NPM_CALLS, JSON.stringify(args) + '\\n');
if (process.env.FAKE_NPM_FAIL) process.exit(1);
const prefix = args[args.indexOf('--prefix') + 1];
const manifest = JSON.parse(fs.readFileSync(path.join(prefix, 'package.json'), 'utf8'));
for (const [name, version] of Object.entries(manifest.dependencies)) {
  const dir = path.join(prefix, 'node_modules', ...name.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = ' + JSON.stringify({ name, version }));
}
`;

describe('ensureBenchPeers', () => {
  const work = mkdtempSync(join(tmpdir(), 'rapport-bench-peers-'));
  const npm = join(work, 'npm');
  const calls = join(work, 'calls.ndjson');
  writeFileSync(npm, FAKE_NPM);
  chmodSync(npm, 0o755);
  const previous = { calls: process.env.FAKE_NPM_CALLS, fail: process.env.FAKE_NPM_FAIL };
  beforeAll(() => (process.env.FAKE_NPM_CALLS = calls));
  afterAll(() => {
    process.env.FAKE_NPM_CALLS = previous.calls;
    process.env.FAKE_NPM_FAIL = previous.fail;
    if (previous.calls === undefined) delete process.env.FAKE_NPM_CALLS;
    if (previous.fail === undefined) delete process.env.FAKE_NPM_FAIL;
    rmSync(work, { recursive: true, force: true });
  });

  const npmCalls = (): string[][] => {
    try {
      return readFileSync(calls, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
    } catch {
      return [];
    }
  };
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      version?: string;
      dependencies: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };

  it('installs missing peers once into its dir, says so, and loads them from there', () => {
    const dir = join(work, 'first');
    const said: string[] = [];
    const load = ensureBenchPeers(
      {
        'peer-store': { version: '1.2.3' },
        'native-driver': { version: '5.0.0', installScript: true },
      },
      { dir, npm, log: (line) => said.push(line) },
    );
    expect(said).toEqual([
      `bench: installing benchmark peers peer-store@1.2.3, native-driver@5.0.0 into ${dir} ` +
        '(once; not a dependency of Rapport, later runs reuse them); native-driver compiles native code: minutes',
    ]);
    expect(npmCalls()).toEqual([
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel', 'error'],
    ]);
    // Only the peer that needs its install script may run one.
    expect(manifest(dir)).toMatchObject({
      dependencies: { 'peer-store': '1.2.3', 'native-driver': '5.0.0' },
      allowScripts: { 'native-driver': true },
    });
    expect(load('peer-store')).toEqual({ name: 'peer-store', version: '1.2.3' });

    const again: string[] = [];
    ensureBenchPeers(
      { 'peer-store': { version: '1.2.3' } },
      { dir, npm, log: (l) => again.push(l) },
    );
    expect(again).toEqual([`bench: using benchmark peers from ${dir}`]);
    expect(npmCalls()).toHaveLength(1);
  });

  it("keeps every benchmark's peers, and installs a peer again when its version changes", () => {
    const dir = join(work, 'shared');
    const log = () => undefined;
    ensureBenchPeers({ 'peer-store': { version: '1.2.3' } }, { dir, npm, log });
    const load = ensureBenchPeers({ 'peer-http': { version: '2.0.0' } }, { dir, npm, log });
    expect(manifest(dir).dependencies).toEqual({ 'peer-store': '1.2.3', 'peer-http': '2.0.0' });
    expect(load('peer-store')).toEqual({ name: 'peer-store', version: '1.2.3' });
    expect(load('peer-http')).toEqual({ name: 'peer-http', version: '2.0.0' });

    const installs = npmCalls().length;
    ensureBenchPeers({ 'peer-store': { version: '1.3.0' } }, { dir, npm, log });
    expect(npmCalls()).toHaveLength(installs + 1);
    expect(manifest(join(dir, 'node_modules', 'peer-store'))).toMatchObject({ version: '1.3.0' });
  });

  it('fails with a clear message when npm fails', () => {
    process.env.FAKE_NPM_FAIL = '1';
    try {
      const dir = join(work, 'failing');
      expect(() =>
        ensureBenchPeers(
          { 'peer-store': { version: '1.2.3' } },
          { dir, npm, log: () => undefined },
        ),
      ).toThrow(`npm install of the benchmark peers into ${dir} failed (1)`);
    } finally {
      delete process.env.FAKE_NPM_FAIL;
    }
  });
});
