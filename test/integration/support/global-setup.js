// Jest globalSetup for the integration tests: starts the real Kafka broker and MongoDB-wire
// server (scripts/test-servers/servers.sh) unless they are already running, and remembers which
// ones it started so that global-teardown.js stops only those. Servers that a developer started
// by hand are reused and left running.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const SCRIPT = path.join(ROOT, 'scripts/test-servers/servers.sh');
const SERVERS = ['kafka', 'mongo'];

function isRunning(name) {
  try {
    execFileSync(SCRIPT, ['status', name], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

module.exports = async function globalSetup() {
  const started = SERVERS.filter((name) => !isRunning(name));
  // Shared with globalTeardown, which runs in this same process.
  globalThis.__CRM_TEST_SERVERS_STARTED__ = started;
  let envLines;
  try {
    // Prints the env lines; progress goes to stderr. The first run downloads jars with Maven.
    envLines = execFileSync(SCRIPT, ['start', 'all'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 10 * 60_000,
    });
  } catch (error) {
    // Jest skips globalTeardown when globalSetup fails: do not leave a half-started pair behind.
    for (const name of started) {
      try {
        execFileSync(SCRIPT, ['stop', name], { cwd: ROOT, stdio: 'inherit' });
      } catch {
        // Already reported by the failed start.
      }
    }
    throw error;
  }
  // Test workers inherit the environment, so testServers() sees the addresses even when the
  // env file is not where it expects it.
  for (const line of envLines.split('\n')) {
    const match = /^(CRM_TEST_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) process.env[match[1]] = match[2];
  }
};
