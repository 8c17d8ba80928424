// Rebuild throughput: every projection rebuilt from position 0 over a seeded log, beside a raw
// scan of the same log (reading and parsing every event, projecting nothing).
// Usage: npm run bench -- rebuild [--events 1000000] [--batch 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@rapport/event-store';
import { liveTargets, PROJECTIONS, ProjectionRunner, SqliteReadStore } from '@rapport/read-models';
import { argument, report } from './support/report';
import { seededLog } from './support/seeded-log';

async function main(): Promise<void> {
  const size = argument('events', 1_000_000);
  const batchSize = argument('batch', 1000);
  const flushEvery = argument('flush-every', 2_000_000);
  const log = await seededLog(size);
  const events = new SqliteEventStore({ file: log.file });
  const head = await events.headPosition();

  // Raw scan: the floor of any rebuild, reading the log page by page.
  let started = process.hrtime.bigint();
  let scanned = 0;
  for (let after = 0; after < head;) {
    const page = await events.readAll({ after, limit: batchSize });
    scanned += page.length;
    after = page[page.length - 1]!.position;
  }
  const scanSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-rebuild-'));
  const store = new SqliteReadStore(join(dir, 'read-models.db'));
  try {
    const targets = await liveTargets(store, PROJECTIONS);
    started = process.hrtime.bigint();
    await new ProjectionRunner(events, store, targets, {
      batchSize,
      until: head,
      writeBehind: { flushEvery },
    }).run();
    const rebuildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const documents = await Promise.all(
      targets.map(
        async (t) =>
          `${t.projection.name}: ${(await store.count(`${t.projection.collection}__g${t.generation}`)).toLocaleString('en-US')}`,
      ),
    );
    report(
      'rebuild (SQLite, all projections)',
      `npm run bench -- rebuild --events ${size} --batch ${batchSize}`,
      [
        {
          measure: 'raw scan of the log',
          events: scanned,
          seconds: Math.round(scanSeconds * 100) / 100,
          'events/s': Math.round(scanned / scanSeconds),
        },
        {
          measure: 'rebuild of every projection',
          events: head,
          seconds: Math.round(rebuildSeconds * 100) / 100,
          'events/s': Math.round(head / rebuildSeconds),
        },
        {
          measure: 'rebuild / raw scan',
          events: '',
          seconds: '',
          'events/s': Math.round((scanSeconds / rebuildSeconds) * 100) / 100,
        },
      ],
      [
        `log: ${head.toLocaleString('en-US')} synthetic events${log.seededIn === null ? ' (cached seed)' : `, seeded in ${log.seededIn.toFixed(1)} s`}`,
        `documents: ${documents.join(', ')}`,
        `batch size ${batchSize}; projections: ${PROJECTIONS.map((p) => p.name).join(', ')}`,
      ],
    );
  } finally {
    await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
