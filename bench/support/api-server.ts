// A Rapport API in its own process for HTTP benchmarks (the load generator must not share its
// CPU). Prints its URL on stdout. Args: <dataDir> [--no-record-views] [--built] [--without <g>]...
// --built runs the compiled API (dist/, after `npm run build`) instead of the sources;
// --dist <dir> another build of it (e.g. of the main branch, to compare in the same run).
// --without auth|validation|sealing|audit turns that guarantee off to measure its cost: possible
// only here, where the app is constructed in code (createApiApp's guaranteesOff option); no
// configuration or environment variable of a deployment can ask for it.
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, loadConfig, startTracing } from '@rapport/platform';
import type * as ApiFactory from '../../apps/api/src/api.factory';
import type { BenchmarkedGuarantee } from '../../apps/api/src/infrastructure/tokens';
import { textArgument } from './report';

const GUARANTEES: readonly BenchmarkedGuarantee[] = ['auth', 'validation', 'sealing', 'audit'];

function guaranteesOff(args: readonly string[]): BenchmarkedGuarantee[] {
  return args.flatMap((arg, i) => {
    if (arg !== '--without') return [];
    const name = args[i + 1] as BenchmarkedGuarantee;
    if (!GUARANTEES.includes(name))
      throw new Error(`--without takes one of ${GUARANTEES.join(', ')}`);
    return [name];
  });
}

export const BENCH_TOKENS = {
  sales: 'bench-token-sales-000001',
  service: 'bench-token-service-000001',
  analyst: 'bench-token-analyst-00001',
  admin: 'bench-token-admin-0000001',
};

export const BENCH_MASTER_KEY = Buffer.alloc(32, 5).toString('base64');

/** CRM_API_KEYS for the benchmarks' four tokens. */
export const BENCH_API_KEYS = JSON.stringify({
  [BENCH_TOKENS.sales]: { actor: 'bench-sales', roles: ['sales'] },
  [BENCH_TOKENS.service]: { actor: 'bench-service', roles: ['service'] },
  [BENCH_TOKENS.analyst]: { actor: 'bench-analyst', roles: ['analyst'] },
  [BENCH_TOKENS.admin]: { actor: 'bench-admin', roles: ['admin'] },
});

async function main(): Promise<void> {
  const [dataDir] = process.argv.slice(2);
  const config = loadConfig({
    ...process.env,
    CRM_DATA_DIR: dataDir!,
    CRM_API_KEYS: BENCH_API_KEYS,
    CRM_MASTER_KEY: BENCH_MASTER_KEY,
    LOG_LEVEL: 'warn',
  });
  // As main.ts: OpenTelemetry only when OTEL_EXPORTER_OTLP_ENDPOINT is set (http.bench's "tracing on").
  startTracing({ serviceName: 'rapport-bench' });
  const dist = textArgument('dist');
  const entry = dist
    ? join(resolve(dist), 'apps', 'api', 'src', 'api.factory')
    : process.argv.includes('--built')
      ? '../../dist/apps/api/src/api.factory'
      : '../../apps/api/src/api.factory';
  const { createApiApp } = (await import(entry)) as typeof ApiFactory;
  const app = await createApiApp(config, {
    logger: createLogger('warn'),
    recordViews: !process.argv.includes('--no-record-views'),
    guaranteesOff: guaranteesOff(process.argv),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  // BENCH_MEMORY_TRACE=<file>: the main thread's memory every BENCH_MEMORY_TRACE_MS (30 s)
  // (what RSS is made of: the rest of RSS is the projector worker's heap and native memory).
  const trace = process.env.BENCH_MEMORY_TRACE;
  if (trace) {
    const started = Date.now();
    setInterval(
      () => {
        const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
        const mib = (bytes: number) => Math.round(bytes / 1048576);
        appendFileSync(
          trace,
          `${JSON.stringify({
            second: Math.round((Date.now() - started) / 1000),
            rss: mib(rss),
            heapUsed: mib(heapUsed),
            heapTotal: mib(heapTotal),
            external: mib(external),
            arrayBuffers: mib(arrayBuffers),
          })}\n`,
        );
      },
      Number(process.env.BENCH_MEMORY_TRACE_MS ?? 30_000),
    ).unref();
  }
  process.stdout.write(`${await app.getUrl()}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

if (require.main === module) void main();
