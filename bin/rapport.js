#!/usr/bin/env node
// `npx rapport <command>` / `npm run cli -- <command>`: the compiled CLI when built, else the
// TypeScript sources through @swc-node/register (development).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
let cli;
if (existsSync(compiled)) {
  cli = require(compiled);
} else {
  process.env.SWC_NODE_PROJECT = join(__dirname, '..', 'tsconfig.json');
  require('@swc-node/register');
  cli = require(join(__dirname, '..', 'apps', 'cli', 'src', 'main.ts'));
}
cli.runCli(process.argv).then((code) => process.exit(code));
