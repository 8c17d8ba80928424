// Verification of the event log's hash chain beside a rebuild of every projection from the
// same log, and the one-time chaining of a log written before the chain existed.
// Usage: npm run bench -- integrity [--events 1000000] [--batch 1000]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyChainOf } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { liveTargets, PROJECTIONS, ProjectionRunner } from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { argument, report } from './support/report';
import { seededLog } from './support/seeded-log';

const seconds = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;
const round = (value: number) => Math.round(value * 100) / 100;

async function main(): Promise<void> {
  const size = argument('events', 1_000_000);
  const batchSize = argument('batch', 1000);
  const log = await seededLog(size);
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-integrity-'));
  try {
    // A copy of the log as an older version wrote it (no hash column), chained when opened.
    const unchained = join(dir, 'unchained.db');
    copyFileSync(log.file, unchained);
    const old = new Database(unchained);
    old.exec('ALTER TABLE events DROP COLUMN hash');
    old.close();
    let started = process.hrtime.bigint();
    const migrated = new SqliteEventStore({ file: unchained });
    const migrateSeconds = seconds(started);
    await migrated.close();

    const events = new SqliteEventStore({ file: log.file });
    const head = await events.headPosition();
    started = process.hrtime.bigint();
    const verified = await verifyChainOf(events, { pageSize: 5000 });
    const verifySeconds = seconds(started);
    if (verified.problem)
      throw new Error(`the seeded log does not verify: ${verified.problem.message}`);

    const store = new SqliteReadStore(join(dir, 'read-models.db'));
    started = process.hrtime.bigint();
    await new ProjectionRunner(events, store, await liveTargets(store, PROJECTIONS), {
      batchSize,
      until: head,
      writeBehind: { flushEvery: 2_000_000 },
    }).run();
    const rebuildSeconds = seconds(started);
    await store.close();
    await events.close();

    const row = (measure: string, count: number | '', s: number) => ({
      measure,
      events: count,
      seconds: round(s),
      'events/s': Math.round(head / s),
    });
    report(
      'integrity (hash chain verification vs rebuild, SQLite)',
      `npm run bench -- integrity --events ${size} --batch ${batchSize}`,
      [
        row('verify the whole chain (rapport verify --integrity)', verified.checked, verifySeconds),
        row('rebuild of every projection', head, rebuildSeconds),
        row('chain a log written before the chain (once, on open)', head, migrateSeconds),
        {
          measure: 'verify / rebuild (time)',
          events: '',
          seconds: round(verifySeconds / rebuildSeconds),
          'events/s': '',
        },
      ],
      [
        `log: ${head.toLocaleString('en-US')} synthetic events${log.seededIn === null ? ' (cached seed)' : `, seeded in ${log.seededIn.toFixed(1)} s`}`,
        'verify: readChain pages of 5,000 rows (stored JSON text, not parsed), SHA-256 of each event and its predecessor',
        `rebuild: every projection (${PROJECTIONS.map((p) => p.name).join(', ')}), batch size ${batchSize}, into a fresh SQLite read store`,
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
