// `rapport import` on the embedded profile: commands/s of an older system's history (ingest
// messages with business time, see test/support/migrated-history.ts: per client a lead, a call,
// a deal and its win, every third a churn), into a fresh data dir, by the CLI in its own
// process. Reports wall-clock and CPU rates: on a shared machine the CPU rate says what the
// import costs, the wall rate what the machine gave it.
// Each round's log is then copied into a fresh store file as fast as SQLite takes its rows (the
// store's write ceiling, see support/store-ceiling.ts): no import can pass it.
// Usage: npm run bench -- import [--clients 20000] [--batch 2000] [--rounds 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BULK_CACHE_MIB } from '@rapport/wiring';
import { migratedHistory, toNdjson } from '../test/support/migrated-history';
import { BENCH_MASTER_KEY } from './support/api-server';
import { argument, report, type Row } from './support/report';
import { measureStoreCeiling } from './support/store-ceiling';

interface ImportSummary {
  lines: number;
  appended: number;
  events: number;
  rejected: number;
  seconds: number;
  cpuSeconds: number;
  commandsPerSecond: number;
}

async function main(): Promise<void> {
  const clients = argument('clients', 20_000);
  const batch = argument('batch', 2000);
  const rounds = argument('rounds', 1);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-import-'));
  const rows: Row[] = [];
  try {
    const file = join(dir, 'history.ndjson');
    // One client an hour, so that the whole history lies in the past.
    const messages = migratedHistory({ clients, arrivalEveryMinutes: 60 });
    writeFileSync(file, toNdjson(messages));
    for (let round = 1; round <= rounds; round++) {
      const dataDir = join(dir, `data-${round}`);
      const loadBefore = loadavg()[0]!;
      const run = spawnSync(
        process.execPath,
        [
          '-r',
          '@swc-node/register',
          join(__dirname, '..', 'apps', 'cli', 'src', 'main.ts'),
          '--json',
          'import',
          file,
          '--batch',
          String(batch),
        ],
        {
          cwd: join(__dirname, '..'),
          env: {
            ...process.env,
            CRM_DATA_DIR: dataDir,
            CRM_MASTER_KEY: BENCH_MASTER_KEY,
            LOG_LEVEL: 'warn',
          },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (run.status !== 0) throw new Error(`the import failed (${run.status}): ${run.stderr}`);
      const summary = JSON.parse(run.stdout) as ImportSummary;
      if (summary.rejected > 0) throw new Error(`${summary.rejected} lines were refused`);
      const ceiling = await measureStoreCeiling(join(dataDir, 'events.db'), {
        events: summary.events,
        commandsPerBatch: batch,
        cacheMiB: BULK_CACHE_MIB,
        scratchDir: dir,
      });
      const ceilingCommands = ceiling.commands / ceiling.seconds;
      rows.push({
        round,
        commands: summary.appended,
        events: summary.events,
        seconds: Math.round(summary.seconds * 100) / 100,
        'commands/s (wall)': summary.commandsPerSecond,
        'CPU seconds': Math.round(summary.cpuSeconds * 100) / 100,
        'commands per CPU-second': Math.round(summary.appended / summary.cpuSeconds),
        "store's ceiling, commands/s": Math.round(ceilingCommands),
        'import ÷ ceiling': (summary.commandsPerSecond / ceilingCommands).toFixed(2),
        'load before / after': `${loadBefore.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`,
      });
      console.error(`round ${round}: ${summary.commandsPerSecond} commands/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(
    'import (rapport import, embedded profile)',
    `npm run bench -- import --clients ${clients} --batch ${batch} --rounds ${rounds}`,
    rows,
    [
      `history: ${clients} clients, ${Math.round(clients * 4.34)} commands (lead, call, deal opened and won, a third churned), each with occurredAt; fresh data dir; personal data sealed with a key per client; synchronous = FULL`,
      'wall rate = lines / seconds of the import itself (the process start and module loading excluded); CPU seconds = user + system of the importing process over the same span',
      "store's ceiling = the round's log copied row by row into a fresh store file (the store's schema, statements and bulk page cache, the same commands per transaction; nothing parsed, decided, sealed or hashed), after the import: no import can append faster",
    ],
  );
}

void main();
