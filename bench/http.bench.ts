// Commands over HTTP: commands/s and latency against the embedded API (auth, validation,
// encryption, append with group commit, projection and audit all on), beside a hello-world
// NestJS app on the same Fastify adapter, each in its own process, loaded by autocannon.
// Usage: npm run bench -- http [--seconds 10] [--connections 64]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TOKENS } from './support/api-server';
import { load, startServer, type LoadResult } from './support/http-load';
import { argument, report } from './support/report';

async function rapport(
  seconds: number,
  connections: number,
): Promise<LoadResult & { rss: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-http-'));
  const server = await startServer(join(__dirname, 'support', 'api-server.ts'), [dir, ...(process.argv.includes('--built') ? ['--built'] : [])]);
  try {
    const customers: string[] = [];
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${server.url}/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${BENCH_TOKENS.sales}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: `Client ${i}`, source: 'bench' }),
      });
      customers.push(((await response.json()) as { customerId: string }).customerId);
    }
    let n = 0;
    const body = () => {
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
    const result = await load({
      url: server.url,
      duration: seconds,
      connections,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const next = body();
            return {
              ...request,
              path: next.path,
              body: JSON.stringify(next.body),
              headers: {
                authorization: `Bearer ${BENCH_TOKENS.sales}`,
                'content-type': 'application/json',
                'idempotency-key': randomUUID(),
              },
            };
          },
        },
      ],
    });
    const rss = await fetch(`${server.url}/metrics`)
      .then((r) => r.text())
      .then((text) => {
        const match = /^process_resident_memory_bytes (\d+(\.\d+)?)/m.exec(text);
        return match ? Math.round(Number(match[1]) / 2 ** 20) : 0;
      });
    return { ...result, rss };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function hello(seconds: number, connections: number): Promise<LoadResult> {
  const server = await startServer(join(__dirname, 'support', 'hello-server.ts'), []);
  try {
    return await load({
      url: `${server.url}/hello`,
      method: 'POST',
      duration: seconds,
      connections,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lead', source: 'bench' }),
    });
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const seconds = argument('seconds', 10);
  const connections = argument('connections', 64);
  const baseline = await hello(seconds, connections);
  const ours = await rapport(seconds, connections);
  const row = (name: string, r: LoadResult) => ({
    server: name,
    'requests/s': r.requestsPerSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'non-2xx / errors': `${r.non2xx} / ${r.errors}`,
  });
  report(
    'http (commands over HTTP, embedded profile)',
    `npm run bench -- http --seconds ${seconds} --connections ${connections}`,
    [
      row('Rapport commands (auth, validation, encryption, append, projection, audit)', ours),
      row('hello-world NestJS, same Fastify adapter', baseline),
      {
        server: 'Rapport / hello world',
        'requests/s': Math.round((ours.requestsPerSecond / baseline.requestsPerSecond) * 100) / 100,
        'p50 ms': '',
        'p99 ms': '',
        'non-2xx / errors': '',
      },
    ],
    [
      `autocannon, ${connections} connections, ${seconds} s, from another process; mix: 30% new leads, 20% deals, 50% contacts, every request with an Idempotency-Key`,
      `SQLite synchronous=FULL (an acknowledged command survives power loss); API process RSS after the run: ${ours.rss} MiB`,
    ],
  );
}

void main();
