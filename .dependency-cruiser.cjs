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
      name: 'only-wiring-and-entry-points-construct-adapters',
      comment:
        "Adapters are built by libs/wiring, the apps' entry points (main.ts, the projector worker and the embedded projector that wakes it), the CLI and tests; everything else depends on ports. Libs export adapters from their own entry point (@rapport/<lib>/adapters), not their index.",
      severity: 'error',
      from: {
        path: '^(apps|libs)/',
        pathNot: [
          '^libs/wiring/',
          '^apps/cli/',
          '/main\\.ts$',
          '\\.worker\\.ts$',
          '^apps/api/src/read-side/embedded-projector\\.ts$',
          '\\.spec\\.ts$',
          '\\.int-spec\\.ts$',
          '/testing/',
          '^libs/testing/',
          '\\.fixture\\.ts$',
          '^libs/[^/]+/src/adapters/',
        ],
      },
      to: { path: '^libs/[^/]+/src/adapters/' },
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
