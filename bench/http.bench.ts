// Commands over HTTP: commands/s and latency of the embedded API, beside a hello-world NestJS
// app on the same Fastify adapter and, as a peer, the same command through Emmett's command
// handling and SQLite store behind Express. Each server runs in its own process, loaded by
// autocannon from this one. The same command is also run with one guarantee turned off at a
// time (possible only in this benchmark, see bench/support/api-server.ts), so a reader sees
// what each costs. The machine may be shared: every configuration runs once per round, the
// rounds interleave them, and each ratio is taken within a round (medians are reported).
// Usage: npm run bench -- http [--seconds 10] [--connections 64] [--rounds 2] [--built]
//        [--no-peer] [--compare-dist <dir>] [--only <part of a configuration's name>]
// --built measures the compiled API (run `npm run build` first); --compare-dist adds the same
// contact command against another build of the API (e.g. the main branch's dist/), in the
// same rounds, for a before/after ratio.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { BENCH_TOKENS } from './support/api-server';
import { load, startServer, type LoadResult, type Server } from './support/http-load';
import { argument, report, textArgument, type Row } from './support/report';

type Guarantee = 'auth' | 'validation' | 'sealing' | 'audit' | 'idempotency';

interface Configuration {
  name: string;
  /** Starts the server, prepares its data, loads it for `seconds`; always stops it. */
  run(seconds: number, connections: number): Promise<CpuLoadResult>;
}

interface Measured extends CpuLoadResult {
  /** The 1-minute load average of the machine when the run ended. */
  load: number;
}

interface CpuLoadResult extends LoadResult {
  /**
   * CPU time the server process (all its threads: HTTP, projector worker) spent per answered
   * request during the load. On a shared machine throughput moves with the other work;
   * the CPU a request costs moves much less, so the cost ratios are read from this.
   */
  cpuMs: number;
}

/** User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

/** autocannon against a server, with the CPU time the server spent per request. */
async function loadWithCpu(server: Server, options: autocannon.Options): Promise<CpuLoadResult> {
  const before = cpuSeconds(server.process.pid);
  const result = await load(options);
  const spent = cpuSeconds(server.process.pid) - before;
  return { ...result, cpuMs: (spent * 1000) / Math.max(1, result.total - result.non2xx) };
}

const built = process.argv.includes('--built');
const compareDist = textArgument('compare-dist');

async function withServer<T>(
  script: string,
  args: string[],
  body: (server: Server) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-http-'));
  const server = await startServer(join(__dirname, 'support', script), [dir, ...args], env);
  try {
    return await body(server);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const jsonHeaders = (idempotencyKey?: string): Record<string, string> => ({
  authorization: `Bearer ${BENCH_TOKENS.sales}`,
  'content-type': 'application/json',
  ...(idempotencyKey !== undefined && { 'idempotency-key': idempotencyKey }),
});

async function createCustomers(url: string, count: number): Promise<string[]> {
  const customers: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/customers`, {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({
        name: `Client ${i}`,
        email: `client${i}@example.com`,
        source: 'bench',
      }),
    });
    if (response.status !== 201) throw new Error(`creating a client: ${response.status}`);
    customers.push(((await response.json()) as { customerId: string }).customerId);
  }
  return customers;
}

/**
 * Logs contacts on clients, each request with an Idempotency-Key (unless turned off) and an
 * If-Match of the client's revision: a client is used by one connection at a time, and its
 * next request expects the revision the previous answer gave.
 */
function contactRequests(customers: readonly string[], idempotency: boolean): autocannon.Request[] {
  const revisions = new Map<string, number>();
  const free = [...customers];
  return [
    {
      method: 'POST',
      setupRequest: (request, context: { customerId?: string }) => {
        const customerId = free.pop();
        if (customerId === undefined) throw new Error('more connections than clients');
        context.customerId = customerId;
        const revision = revisions.get(customerId);
        return {
          ...request,
          path: `/customers/${customerId}/contacts`,
          body: JSON.stringify({
            channel: 'call',
            direction: 'outbound',
            subject: 'Bench call',
            notes: 'Talked about the renewal',
          }),
          headers: {
            ...jsonHeaders(idempotency ? randomUUID() : undefined),
            ...(revision !== undefined && { 'if-match': `"${revision}"` }),
          },
        };
      },
      onResponse: (status, body, context: { customerId?: string }) => {
        const customerId = context.customerId!;
        if (status === 201)
          revisions.set(customerId, (JSON.parse(body) as { revision: number }).revision);
        free.push(customerId);
      },
    },
  ];
}

/** The mix of the earlier runs: 30% new leads, 20% deals, 50% contacts, all idempotent. */
function mixRequests(customers: readonly string[]): autocannon.Request[] {
  let n = 0;
  const next = () => {
    const i = n++;
    const customerId = customers[i % customers.length]!;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        return {
          path: '/customers',
          body: { name: `Lead ${i}`, email: `lead${i}@example.com`, source: 'bench' },
        };
      case 3:
      case 4:
        return {
          path: `/customers/${customerId}/deals`,
          body: { title: 'Bench', amount: 100 + (i % 50), currency: 'EUR' },
        };
      default:
        return {
          path: `/customers/${customerId}/contacts`,
          body: { channel: 'call', direction: 'outbound', subject: 'Bench call', notes: 'n' },
        };
    }
  };
  return [
    {
      method: 'POST',
      setupRequest: (request) => {
        const { path, body } = next();
        return { ...request, path, body: JSON.stringify(body), headers: jsonHeaders(randomUUID()) };
      },
    },
  ];
}

const apiArgs = (off: readonly Guarantee[]) => [
  ...(built ? ['--built'] : []),
  ...off.filter((g) => g !== 'idempotency').flatMap((g) => ['--without', g]),
];

function rapportContacts(
  name: string,
  off: readonly Guarantee[] = [],
  args = apiArgs(off),
  env: () => Promise<NodeJS.ProcessEnv> = async () => process.env,
): Configuration {
  return {
    name,
    run: async (seconds, connections) =>
      withServer(
        'api-server.ts',
        args,
        async (server) => {
          const customers = await createCustomers(server.url, connections * 2);
          return loadWithCpu(server, {
            url: server.url,
            duration: seconds,
            connections,
            requests: contactRequests(customers, !off.includes('idempotency')),
          });
        },
        await env(),
      ),
  };
}

/**
 * An OTLP/HTTP endpoint that accepts and drops spans, in this process: "tracing on" then pays
 * for making and exporting spans, as against a real collector, but no collector's CPU.
 */
let otlpSink: Promise<string> | undefined;
function startOtlpSink(): Promise<string> {
  otlpSink ??= new Promise((resolve) => {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
      );
    });
    server.unref();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
  return otlpSink;
}

const CONFIGURATIONS: Configuration[] = [
  {
    name: 'hello-world NestJS, same Fastify adapter',
    run: (seconds, connections) =>
      withServer('hello-server.ts', [], (server) =>
        loadWithCpu(server, {
          url: `${server.url}/hello`,
          method: 'POST',
          duration: seconds,
          connections,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Lead', source: 'bench' }),
        }),
      ),
  },
  {
    name: 'Rapport, mix of commands (30% leads, 20% deals, 50% contacts)',
    run: (seconds, connections) =>
      withServer('api-server.ts', apiArgs([]), async (server) => {
        const customers = await createCustomers(server.url, 100);
        return loadWithCpu(server, {
          url: server.url,
          duration: seconds,
          connections,
          requests: mixRequests(customers),
        });
      }),
  },
  rapportContacts('Rapport, log a contact (every guarantee)'),
  rapportContacts(
    'Rapport, log a contact (every guarantee), tracing on (OTLP to a sink)',
    [],
    apiArgs([]),
    async () => ({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: await startOtlpSink() }),
  ),
  rapportContacts('Rapport, log a contact, without authentication', ['auth']),
  rapportContacts('Rapport, log a contact, without validation', ['validation']),
  rapportContacts('Rapport, log a contact, without sealing', ['sealing']),
  rapportContacts('Rapport, log a contact, without Idempotency-Key', ['idempotency']),
  rapportContacts('Rapport, log a contact, without the audit trail read model', ['audit']),
];

const EMMETT: Configuration = {
  name: 'Emmett 0.38.5 + Express 4, SQLite store, log a contact',
  run: (seconds, connections) =>
    withServer('emmett-server.ts', [], async (server) => {
      const customers = await createCustomers(server.url, connections * 2);
      return loadWithCpu(server, {
        url: server.url,
        duration: seconds,
        connections,
        requests: contactRequests(customers, true),
      });
    }),
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round2 = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  const seconds = argument('seconds', 10);
  const connections = argument('connections', 64);
  const rounds = argument('rounds', 2);
  // --only <text>: the configurations whose name contains it (e.g. to profile one of them).
  const only = textArgument('only');
  const configurations = [
    ...CONFIGURATIONS,
    ...(process.argv.includes('--no-peer') ? [] : [EMMETT]),
    ...(compareDist
      ? [
          rapportContacts(
            `Rapport before, log a contact (${compareDist})`,
            [],
            ['--dist', compareDist],
          ),
        ]
      : []),
  ].filter((configuration) => only === undefined || configuration.name.includes(only));
  const results = new Map<string, Measured[]>(configurations.map((c) => [c.name, []]));
  const loadBefore = loadavg()[0]!;
  for (let round = 0; round < rounds; round++) {
    // Each round starts one configuration later, so none always runs first or last.
    for (let i = 0; i < configurations.length; i++) {
      const configuration = configurations[(i + round) % configurations.length]!;
      const result = await configuration.run(seconds, connections);
      results.get(configuration.name)!.push({ ...result, load: loadavg()[0]! });
      console.error(
        `round ${round + 1}: ${configuration.name}: ${result.requestsPerSecond}/s, p99 ${result.p99} ms (load ${loadavg()[0]!.toFixed(1)})`,
      );
    }
  }
  const hello = results.get(CONFIGURATIONS[0]!.name) ?? [];
  const full = results.get(CONFIGURATIONS[2]!.name) ?? [];
  const rows: Row[] = configurations.map((configuration) => {
    const runs = results.get(configuration.name)!;
    // NaN when --only left the reference configuration out.
    const perRound = (reference: Measured[]) =>
      median(
        runs.map((run, i) => run.requestsPerSecond / (reference[i]?.requestsPerSecond ?? NaN)),
      );
    const cpu = median(runs.map((run) => run.cpuMs));
    return {
      server: configuration.name,
      'requests/s (each round)': runs
        .map((run) => run.requestsPerSecond.toLocaleString('en-US'))
        .join(', '),
      'p50 ms': median(runs.map((run) => run.p50)),
      'p99 ms': median(runs.map((run) => run.p99)),
      '/ hello world': round2(perRound(hello)),
      '/ contact, every guarantee': round2(perRound(full)),
      'CPU ms/request': round2(cpu),
      'CPU: hello / this': round2(median(hello.map((run) => run.cpuMs)) / cpu),
      'CPU: this / contact': round2(cpu / median(full.map((run) => run.cpuMs))),
      'non-2xx / errors': `${runs.reduce((sum, run) => sum + run.non2xx, 0)} / ${runs.reduce((sum, run) => sum + run.errors, 0)}`,
    };
  });
  const flags = [
    `--seconds ${seconds}`,
    `--connections ${connections}`,
    `--rounds ${rounds}`,
    ...(built ? ['--built'] : []),
    ...(compareDist ? [`--compare-dist ${compareDist}`] : []),
  ].join(' ');
  report('http (commands over HTTP, embedded profile)', `npm run bench -- http ${flags}`, rows, [
    'CPU ms/request: user + system CPU time of the server process (all its threads) during the load, per answered request; "CPU: hello / this" is the share of hello world\'s efficiency reached (requests per CPU-second relative to hello world), "CPU: this / contact" the CPU a request costs relative to the contact with every guarantee (the cost of a guarantee X is 1 − (without X / every guarantee))',
    `autocannon, ${connections} connections, ${seconds} s per configuration and round, ${rounds} interleaved rounds; ratios are medians of the ratios within each round; ${built ? 'compiled API (dist/)' : 'API run from its sources through @swc-node/register'}`,
    `load average (1 min) before the run: ${loadBefore.toFixed(1)}; at the end of each run: ${[
      ...results.values(),
    ]
      .flat()
      .map((r) => r.load.toFixed(1))
      .join(', ')} (the machine has 2 cores, shared with other work)`,
    'log a contact: each connection logs contacts on its own client with an Idempotency-Key and an If-Match of the revision its previous answer gave (as a client that reads its writes would)',
    '"without X": the same API with X turned off in this benchmark only (createApiApp guaranteesOff, which no configuration can set; idempotency: no Idempotency-Key sent, so no lookup of the key, the fingerprint and the random command id are still computed and recorded; audit: the projector does not maintain the audit-trail read model, while every event still goes into the hash-chained log, whose hashing the append benchmark measures). The cost of X is 1 − (with X / without X)',
    "SQLite synchronous=FULL (an acknowledged command survives power loss) for Rapport; Emmett's SQLite store with its defaults, commands serialised (it fails concurrent appends), idempotency keys kept in memory (not durable)",
  ]);
}

void main();
