// Rebuild throughput: every projection rebuilt from position 0 over a seeded log, beside a raw
// scan of the same log (reading and parsing every event, projecting nothing).
// Usage: npm run bench -- rebuild [--events 1000000] [--batch 1000] [--only <projection>[,<projection>...]]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { liveTargets, PROJECTIONS, ProjectionRunner } from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { argument, report, textArgument } from './support/report';
import { seededLog } from './support/seeded-log';

async function main(): Promise<void> {
  const size = argument('events', 1_000_000);
  const batchSize = argument('batch', 1000);
  const flushEvery = argument('flush-every', 2_000_000);
  const only = textArgument('only');
  const chosen = only?.split(',');
  const projections = chosen ? PROJECTIONS.filter((p) => chosen.includes(p.name)) : PROJECTIONS;
  if (chosen && projections.length !== chosen.length) {
    throw new Error(
      `--only: no projection ${only}; there are ${PROJECTIONS.map((p) => p.name).join(', ')}`,
    );
  }
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
  let reopened: SqliteReadStore | undefined;
  try {
    const targets = await liveTargets(store, projections);
    started = process.hrtime.bigint();
    await new ProjectionRunner(events, store, targets, {
      batchSize,
      until: head,
      writeBehind: { flushEvery },
    }).run();
    const rebuildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await store.close();
    const writeSeconds = rawWriteSeconds(
      join(dir, 'read-models.db'),
      join(dir, 'raw-write.db'),
      targets.map((t) => `${t.projection.collection}__g${t.generation}`),
    );
    reopened = new SqliteReadStore(join(dir, 'read-models.db'));
    const documents = await Promise.all(
      targets.map(
        async (t) =>
          `${t.projection.name}: ${(await reopened!.count(`${t.projection.collection}__g${t.generation}`)).toLocaleString('en-US')}`,
      ),
    );
    report(
      only ? `rebuild (SQLite, ${only} only)` : 'rebuild (SQLite, all projections)',
      `npm run bench -- rebuild --events ${size} --batch ${batchSize}${only ? ` --only ${only}` : ''}`,
      [
        {
          measure: 'raw scan of the log',
          events: scanned,
          seconds: Math.round(scanSeconds * 100) / 100,
          'events/s': Math.round(scanned / scanSeconds),
        },
        {
          measure: only ? `rebuild of ${only}` : 'rebuild of every projection',
          events: head,
          seconds: Math.round(rebuildSeconds * 100) / 100,
          'events/s': Math.round(head / rebuildSeconds),
        },
        {
          measure: 'raw write of the same documents',
          events: '',
          seconds: Math.round(writeSeconds * 100) / 100,
          'events/s': Math.round(head / writeSeconds),
        },
        {
          measure: 'ceiling: raw scan + raw write',
          events: head,
          seconds: Math.round((scanSeconds + writeSeconds) * 100) / 100,
          'events/s': Math.round(head / (scanSeconds + writeSeconds)),
        },
        {
          measure: 'rebuild / ceiling',
          events: '',
          seconds: '',
          'events/s': Math.round(((scanSeconds + writeSeconds) / rebuildSeconds) * 100) / 100,
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
        `batch size ${batchSize}; projections: ${projections.map((p) => p.name).join(', ')}`,
      ],
    );
  } finally {
    await store.close();
    await reopened?.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The storage ceiling: the rows the rebuild wrote (id, position, JSON body, indexed columns),
 * inserted with plain prepared INSERTs into tables and indexes of the same schema, in
 * transactions as large as the rebuild's flushes. No projection, no JSON, no guard.
 */
function rawWriteSeconds(rebuilt: string, copy: string, collections: string[]): number {
  const source = new Database(rebuilt, { readonly: true });
  const target = new Database(copy);
  target.pragma('journal_mode = WAL');
  target.pragma('synchronous = NORMAL');
  target.pragma('cache_size = -131072');
  const work: { insert: Database.Statement; rows: unknown[][] }[] = [];
  for (const collection of collections) {
    const name = `doc:${collection}`;
    const schema = source
      .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL`)
      .pluck()
      .all(name) as string[];
    for (const sql of schema) target.exec(sql);
    const rows = source.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][];
    if (rows.length === 0) continue;
    const insert = target.prepare(
      `INSERT INTO "${name}" VALUES (${rows[0]!.map(() => '?').join(', ')})`,
    );
    work.push({ insert, rows });
  }
  source.close();
  const writeAll = target.transaction((insert: Database.Statement, rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  const started = process.hrtime.bigint();
  for (const { insert, rows } of work)
    for (let i = 0; i < rows.length; i += 250_000) writeAll(insert, rows.slice(i, i + 250_000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  target.close();
  return seconds;
}

void main();
