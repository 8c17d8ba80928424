// What recording every read costs: GET /customers/:id throughput with view auditing on (as
// always in production) against the same query with recording disabled in code.
// Usage: npm run bench -- audit [--seconds 10] [--connections 32]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TOKENS } from './support/api-server';
import { load, startServer, type LoadResult } from './support/http-load';
import { argument, report } from './support/report';

async function measure(
  recordViews: boolean,
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-audit-'));
  const server = await startServer(join(__dirname, 'support', 'api-server.ts'), [
    dir,
    ...(recordViews ? [] : ['--no-record-views']),
  ]);
  try {
    const ids: string[] = [];
    let position = 0;
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${server.url}/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${BENCH_TOKENS.sales}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: `Client ${i}`,
          email: `client${i}@example.com`,
          source: 'bench',
        }),
      });
      const body = (await response.json()) as { customerId: string; position: number };
      ids.push(body.customerId);
      position = body.position;
    }
    await fetch(`${server.url}/customers/${ids[0]}?minPosition=${position}`, {
      headers: { authorization: `Bearer ${BENCH_TOKENS.sales}` },
    });
    let next = 0;
    return await load({
      url: server.url,
      duration: seconds,
      connections,
      headers: { authorization: `Bearer ${BENCH_TOKENS.sales}`, 'x-purpose': 'benchmark' },
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({
            ...request,
            path: `/customers/${ids[next++ % ids.length]}`,
          }),
        },
      ],
    });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = argument('seconds', 10);
  const connections = argument('connections', 32);
  const off = await measure(false, seconds, connections);
  const on = await measure(true, seconds, connections);
  const row = (name: string, r: LoadResult) => ({
    'GET /customers/:id': name,
    'requests/s': r.requestsPerSecond,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'non-2xx': r.non2xx + r.errors,
  });
  report(
    'audit (cost of recording every read)',
    `npm run bench -- audit --seconds ${seconds} --connections ${connections}`,
    [
      row('views recorded (production)', on),
      row('recording disabled in code', off),
      {
        'GET /customers/:id': 'recorded / not recorded',
        'requests/s': Math.round((on.requestsPerSecond / off.requestsPerSecond) * 100) / 100,
        'p50 ms': '',
        'p99 ms': '',
        'non-2xx': '',
      },
    ],
    [
      `embedded profile (SQLite, synchronous=FULL), 200 clients, autocannon with ${connections} connections for ${seconds} s from another process`,
      'each recorded read appends one CustomerDataViewed event; concurrent ones share a group commit',
    ],
  );
}

void main();
