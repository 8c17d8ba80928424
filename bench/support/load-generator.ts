// A child process that sends commands to a Rapport API at a steady rate (open loop: requests
// leave on schedule whether or not earlier ones have been answered), then prints a JSON
// summary on stdout. Args: <baseUrl> <token> <rate per s> <seconds> <customerIdsFile>
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { percentile } from './report';

const [baseUrl, token, rateText, secondsText, idsFile] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const customers = JSON.parse(readFileSync(idsFile!, 'utf8')) as string[];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const url = new URL(baseUrl!);

let sent = 0;
let acknowledged = 0;
let failed = 0;
const latencies: number[] = [];
const statuses: Record<string, number> = {};

function command(i: number): { path: string; body: unknown } {
  const customerId = customers[i % customers.length]!;
  switch (i % 5) {
    case 0:
      return {
        path: '/customers',
        body: { name: `Load ${i}`, source: 'bench', email: `load${i}@example.com` },
      };
    case 1:
    case 2:
      return {
        path: `/customers/${customerId}/contacts`,
        body: {
          channel: 'call',
          direction: i % 2 ? 'inbound' : 'outbound',
          subject: 'Steady load',
          notes: 'n',
        },
      };
    case 3:
      return {
        path: `/customers/${customerId}/deals`,
        body: { title: 'Bench deal', amount: 100 + (i % 900), currency: 'EUR' },
      };
    default:
      return {
        path: `/customers/${customerId}/consents`,
        body: { purpose: 'marketing', granted: i % 2 === 0 },
      };
  }
}

function send(i: number): void {
  const { path, body } = command(i);
  const payload = JSON.stringify(body);
  const started = process.hrtime.bigint();
  sent++;
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path,
      method: 'POST',
      agent,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        'idempotency-key': randomUUID(),
      },
    },
    (response) => {
      response.resume();
      response.on('end', () => {
        statuses[response.statusCode ?? 0] = (statuses[response.statusCode ?? 0] ?? 0) + 1;
        if (response.statusCode === 201) {
          acknowledged++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
        } else failed++;
      });
    },
  );
  req.on('error', () => failed++);
  req.end(payload);
}

const tickMs = 10;
const perTick = (rate * tickMs) / 1000;
let owed = 0;
let i = 0;
const started = Date.now();
const timer = setInterval(() => {
  owed += perTick;
  while (owed >= 1) {
    send(i++);
    owed -= 1;
  }
  if (Date.now() - started >= seconds * 1000) {
    clearInterval(timer);
    const deadline = Date.now() + 10_000;
    const wait = setInterval(() => {
      if (acknowledged + failed >= sent || Date.now() > deadline) {
        clearInterval(wait);
        latencies.sort((a, b) => a - b);
        const at = (q: number) => percentile(latencies, q);
        process.stdout.write(
          JSON.stringify({
            sent,
            acknowledged,
            failed,
            statuses,
            p50: at(0.5),
            p99: at(0.99),
            max: at(1),
            seconds: (Date.now() - started) / 1000,
          }) + '\n',
        );
        agent.destroy();
      }
    }, 20);
  }
}, tickMs);
