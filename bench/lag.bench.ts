// Projection lag under a steady command load on the embedded profile: the API runs here
// (projector on its worker thread, auth, validation, audit all on); a child process sends
// commands at a fixed rate over HTTP. Lag = time from an event being recorded to its
// projection being committed, for every event.
// Usage: npm run bench -- lag [--rate 1000] [--seconds 60]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@rapport/platform';
import { createApiApp } from '../apps/api/src/api.factory';
import { ProjectionProgress } from '../apps/api/src/read-side/projection-progress';
import { argument, percentile, report } from './support/report';

const TOKEN = 'bench-token-service-000001';

async function main(): Promise<void> {
  const rate = argument('rate', 1000);
  const seconds = argument('seconds', 60);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-lag-'));
  const config = loadConfig({
    CRM_DATA_DIR: dir,
    CRM_API_KEYS: JSON.stringify({ [TOKEN]: { actor: 'bench', roles: ['service'] } }),
    CRM_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
    LOG_LEVEL: 'warn',
    PORT: '0',
  });
  const app = await createApiApp(config, { logger: createLogger('warn') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  try {
    // Clients for the contact, deal and consent commands to address.
    const customers: string[] = [];
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${url}/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Seed ${i}`, source: 'bench' }),
      });
      customers.push(((await response.json()) as { customerId: string }).customerId);
    }
    const idsFile = join(dir, 'customers.json');
    writeFileSync(idsFile, JSON.stringify(customers));

    const delays: number[] = [];
    const stop = app.get(ProjectionProgress).onDelays((batch) => delays.push(...batch));
    const child = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        join(__dirname, 'support', 'load-generator.ts'),
        url,
        TOKEN,
        String(rate),
        String(seconds),
        idsFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    stop();
    const load = JSON.parse(output) as {
      sent: number;
      acknowledged: number;
      failed: number;
      p50: number;
      p99: number;
      max: number;
      seconds: number;
      statuses: Record<string, number>;
    };
    delays.sort((a, b) => a - b);
    const at = (q: number) => percentile(delays, q);
    report(
      'lag (embedded profile, steady command load)',
      `npm run bench -- lag --rate ${rate} --seconds ${seconds}`,
      [
        {
          measure: 'commands sent / acknowledged / failed',
          value: `${load.sent} / ${load.acknowledged} / ${load.failed}`,
        },
        {
          measure: 'achieved rate (acknowledged/s)',
          value: Math.round(load.acknowledged / load.seconds),
        },
        {
          measure: 'command latency p50 / p99 / max (ms)',
          value: `${load.p50.toFixed(1)} / ${load.p99.toFixed(1)} / ${load.max.toFixed(1)}`,
        },
        { measure: 'events projected (incl. audit events)', value: delays.length },
        {
          measure: 'projection lag p50 / p99 / max (ms)',
          value: `${at(0.5)} / ${at(0.99)} / ${at(1)}`,
        },
      ],
      [
        `target rate ${rate} commands/s for ${seconds} s; mix: 20% new leads, 40% contacts, 20% deals, 20% consents`,
        'lag is measured per event: commit of its projection minus its recordedAt (ms clock resolution)',
        `HTTP statuses: ${JSON.stringify(load.statuses)}`,
      ],
    );
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
