/**
 * Layer rules (ARCHITECTURE.md): the domain is pure; adapters depend on ports, never the
 * reverse; apps wire adapters by config. `npm test` runs this.
 */
const frameworksAndDrivers =
  '^(@nestjs|express|fastify|@fastify|better-sqlite3|kafkajs|mongodb|@eventstore|@kurrent|pino|prom-client|class-validator|class-transformer|jsonwebtoken|rxjs)';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain imports only itself: no framework, no driver, no other lib.',
      severity: 'error',
      from: { path: '^libs/domain/src', pathNot: '\\.spec\\.ts$' },
      to: {
        pathNot: ['^libs/domain/src'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-no-node-io',
      comment: 'Deciders never do I/O: no fs, net, crypto or timers from node core.',
      severity: 'error',
      from: { path: '^libs/domain/src', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-no-frameworks',
      severity: 'error',
      from: { path: '^libs/domain/src' },
      to: { path: frameworksAndDrivers },
    },
    {
      name: 'libs-do-not-import-adapters-of-other-libs',
      comment: "A lib may use another lib's port (its index), never reach into its adapters.",
      severity: 'error',
      from: { path: '^libs/([^/]+)/src' },
      to: { path: '^libs/([^/]+)/src/adapters/', pathNot: '^libs/$1/src/' },
    },
    {
      name: 'ports-do-not-import-adapters',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/.*\\.port\\.ts$' },
      to: { path: '/adapters/' },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'production-code-does-not-import-test-helpers',
      severity: 'error',
      from: {
        path: '^(apps|libs)/',
        pathNot: [
          '\\.spec\\.ts$',
          '\\.int-spec\\.ts$',
          '/testing/',
          '^libs/testing/',
          '\\.fixture\\.ts$',
        ],
      },
      to: { path: ['^libs/testing/', '/src/testing/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: ['^dist/', '^node_modules/'] },
  },
};
