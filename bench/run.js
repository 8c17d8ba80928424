#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [--flags]`. Each benchmark is
// bench/<name>.bench.ts, executed through @swc-node/register (no build step needed).
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const [name, ...args] = process.argv.slice(2);
const available = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''));
if (!name || name === '--help' || !available.includes(name)) {
  console.log(`usage: npm run bench -- <name> [options]\n\nbenchmarks: ${available.join(', ')}`);
  process.exit(name && name !== '--help' ? 2 : 0);
}
const file = join(__dirname, `${name}.bench.ts`);
if (!existsSync(file)) process.exit(2);
const result = spawnSync(
  process.execPath,
  ['--expose-gc', '-r', '@swc-node/register', file, ...args],
  { stdio: 'inherit', cwd: join(__dirname, '..') },
);
process.exit(result.status ?? 1);
