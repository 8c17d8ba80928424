// Unit, contract and embedded end-to-end tests: no external server needed.
const fs = require('node:fs');
const swcConfig = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '<rootDir>/test/integration/',
    // The EventStoreDB contract runs only against a real server: set CRM_EVENT_STORE_URL.
    ...(process.env.CRM_EVENT_STORE_URL ? [] : ['eventstoredb\\.event-store\\.spec\\.ts$']),
  ],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcConfig, swcrc: false }],
    // content-disposition 3 (used by @fastify/static for /docs) ships ESM only; Node runs it
    // through require(esm), Jest on Node 20 cannot, so Jest compiles it to CommonJS.
    'node_modules/content-disposition/.+\\.js$': ['@swc/jest', { ...swcConfig, swcrc: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: {
    '^@rapport/([^/]+)/adapters$': '<rootDir>/libs/$1/src/adapters',
    '^@rapport/(.*)$': '<rootDir>/libs/$1/src',
  },
  testTimeout: 30000,
  // GET /console serves dist/console: built once here when its sources changed (a few seconds).
  globalSetup: '<rootDir>/test/support/console-build.ts',
};
