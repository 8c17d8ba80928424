// Integration tests against real servers: a Kafka 3.9 broker and a MongoDB-wire server,
// started (and stopped) by scripts/test-servers/servers.sh through the global setup.
const base = require('./jest.config');

// kafkajs' notice about its default partitioner changing in v2 is not for us (keys decide).
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ['<rootDir>/libs', '<rootDir>/test', '<rootDir>/apps'],
  testMatch: ['**/*.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/integration/support/global-setup.js',
  globalTeardown: '<rootDir>/test/integration/support/global-teardown.js',
  testTimeout: 120000,
  // Known leak, not yet found: after test/integration/distributed.int-spec.ts, in about half of
  // the runs a Kafka client keeps three sockets open to the broker (seen with a handle dump in
  // globalTeardown), and Jest would wait for them for ever. Every test has passed by then; this
  // ends the process instead of letting CI hang until its time limit.
  forceExit: true,
};
