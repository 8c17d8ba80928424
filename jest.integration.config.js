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
};
