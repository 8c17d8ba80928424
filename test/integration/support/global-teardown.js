// Jest globalTeardown: stops only the servers that global-setup.js started. When it started
// both, "stop all" also deletes their data (it is per test run).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/test-servers/servers.sh');

module.exports = async function globalTeardown() {
  const started = globalThis.__CRM_TEST_SERVERS_STARTED__ ?? [];
  if (started.length === 0) return;
  const target = started.length === 2 ? 'all' : started[0];
  execFileSync(SCRIPT, ['stop', target], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 3 * 60_000,
  });
};
