// Appends/s into the SQLite event store: single appends from 1, 16 and 64 concurrent writers
// (group commit) and batches of 100, beside a raw better-sqlite3 insert loop of the same rows
// (the ceiling), with and without the hash chain's SHA-256 per row (its cost), and Emmett's SQLite
// event store (installed on first use into .cache/bench-peers).
// Usage: npm run bench -- append [--seconds 3] [--synchronous FULL|NORMAL] [--without-emmett]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CHAIN_START, chainHash } from '@rapport/event-store';
import { SqliteEventStore } from '@rapport/event-store/adapters';
import { EMMETT_SQLITE_PEERS, ensureBenchPeers } from './support/bench-peers';
import { contactEvent } from './support/events';
import { argument, report, type Row } from './support/report';

const seconds = argument('seconds', 3);
const synchronousIndex = process.argv.indexOf('--synchronous');
const synchronous = (synchronousIndex > -1 ? process.argv[synchronousIndex + 1] : 'FULL') as
  'FULL' | 'NORMAL';
/** Emmett's store can die on SQLITE_BUSY inside the library (an unhandled rejection). */
const withEmmett = !process.argv.includes('--without-emmett');

/** The part of @event-driven-io/emmett-sqlite 0.38.5 this benchmark uses. */
interface EmmettSqlite {
  getSQLiteEventStore(options: { fileName: string; schema: { autoMigration: 'CreateOrUpdate' } }): {
    appendToStream(
      streamName: string,
      events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[],
      options: { expectedStreamVersion: bigint | 'STREAM_DOES_NOT_EXIST' },
    ): Promise<{ nextExpectedStreamVersion: bigint }>;
  };
}

interface Scenario {
  name: string;
  writers: number;
  eventsPerAppend: number;
}

const scenarios: Scenario[] = [
  { name: 'single appends, 1 writer', writers: 1, eventsPerAppend: 1 },
  { name: 'single appends, 16 writers', writers: 16, eventsPerAppend: 1 },
  { name: 'single appends, 64 writers', writers: 64, eventsPerAppend: 1 },
  { name: 'batches of 100, 1 writer', writers: 1, eventsPerAppend: 100 },
];

async function ours(dir: string, scenario: Scenario): Promise<number> {
  const store = new SqliteEventStore({
    file: join(dir, `ours-${scenario.writers}-${scenario.eventsPerAppend}.db`),
    synchronous,
  });
  const deadline = Date.now() + seconds * 1000;
  let events = 0;
  const started = process.hrtime.bigint();
  // Each writer works on its own client, appending with the expected revision, as a command would.
  await Promise.all(
    Array.from({ length: scenario.writers }, async () => {
      const customerId = randomUUID();
      let revision = -1;
      while (Date.now() < deadline) {
        const batch = Array.from({ length: scenario.eventsPerAppend }, () =>
          contactEvent(customerId),
        );
        const result = await store.append({
          commandId: randomUUID(),
          streams: [
            {
              streamId: `customer-${customerId}`,
              expectedRevision: revision === -1 ? 'no-stream' : revision,
              events: batch,
            },
          ],
        });
        revision = result.revisions[`customer-${customerId}`]!;
        events += batch.length;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  return events / elapsed;
}

/** Emmett's SQLite event store (node-sqlite3) doing the same appends, same concurrency. */
async function emmett(
  { getSQLiteEventStore }: EmmettSqlite,
  dir: string,
  scenario: Scenario,
): Promise<number> {
  const store = getSQLiteEventStore({
    fileName: join(dir, `emmett-${scenario.writers}-${scenario.eventsPerAppend}.db`),
    schema: { autoMigration: 'CreateOrUpdate' },
  });
  const deadline = Date.now() + seconds * 1000;
  let events = 0;
  const started = process.hrtime.bigint();
  // Emmett's SQLite store fails concurrent appends (SQLITE_BUSY, then a closed handle), so its
  // writers take turns, as an application using it would have to.
  let turn: Promise<unknown> = Promise.resolve();
  const serialised = <T>(action: () => Promise<T>): Promise<T> => {
    const result = turn.then(action);
    turn = result.catch(() => undefined);
    return result;
  };
  await Promise.all(
    Array.from({ length: scenario.writers }, async () => {
      const customerId = randomUUID();
      let version = 0n;
      while (Date.now() < deadline) {
        const batch = Array.from({ length: scenario.eventsPerAppend }, () => {
          const e = contactEvent(customerId);
          return {
            type: e.type,
            data: e.data as Record<string, unknown>,
            metadata: e.metadata as unknown as Record<string, unknown>,
          };
        });
        const result = await serialised(() =>
          store.appendToStream(`customer-${customerId}`, batch, {
            expectedStreamVersion: version === 0n ? 'STREAM_DOES_NOT_EXIST' : version,
          }),
        );
        version = result.nextExpectedStreamVersion;
        events += batch.length;
      }
    }),
  );
  return events / (Number(process.hrtime.bigint() - started) / 1e9);
}

/**
 * The ceiling: the same rows, same schema and pragmas, inserted in a tight loop; with `chained`
 * each row also gets its hash-chain hash, as the store computes it (the cost of hashing).
 */
function raw(dir: string, scenario: Scenario, chained: boolean): number {
  const db = new Database(
    join(dir, `raw-${scenario.writers}-${scenario.eventsPerAppend}-${String(chained)}.db`),
  );
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
    stream_revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL,
    metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, hash TEXT, UNIQUE (stream_id, stream_revision))`);
  const insert = db.prepare(
    'INSERT INTO events (position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  let position = 0;
  let previous = CHAIN_START.hash;
  // A transaction holds as many rows as our group commit can gather: one per writer per tick.
  const rowsPerTransaction = scenario.writers * scenario.eventsPerAppend;
  const write = db.transaction(
    (rows: ReturnType<typeof contactEvent>[], streamRevision: number) => {
      for (const [i, e] of rows.entries()) {
        const content = {
          sequence: ++position,
          id: e.id,
          type: e.type,
          schemaVersion: e.schemaVersion,
          streamId: `customer-${e.metadata.customerId}`,
          streamRevision: streamRevision + i,
          recordedAt: new Date().toISOString(),
          data: JSON.stringify(e.data),
          metadata: JSON.stringify(e.metadata),
        };
        if (chained) previous = chainHash(content, previous);
        insert.run(
          position,
          content.id,
          content.streamId,
          content.streamRevision,
          content.type,
          content.schemaVersion,
          content.data,
          content.metadata,
          content.recordedAt,
          chained ? previous : null,
        );
      }
    },
  );
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  let events = 0;
  let revision = 0;
  const customerId = randomUUID();
  while (Date.now() < deadline) {
    const rows = Array.from({ length: rowsPerTransaction }, () => contactEvent(customerId));
    write(rows, revision);
    revision += rows.length;
    events += rows.length;
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return events / elapsed;
}

/** Hashes/s of the chain alone (no I/O) over the same rows: the CPU the chain adds. */
function hashingAlone(): number {
  const rows = Array.from({ length: 1000 }, () => contactEvent(randomUUID()));
  const contents = rows.map((e, i) => ({
    sequence: i + 1,
    id: e.id,
    type: e.type,
    schemaVersion: e.schemaVersion,
    streamId: `customer-${e.metadata.customerId}`,
    streamRevision: i,
    recordedAt: new Date().toISOString(),
    data: JSON.stringify(e.data),
    metadata: JSON.stringify(e.metadata),
  }));
  const deadline = Date.now() + 1000;
  const started = process.hrtime.bigint();
  let hashed = 0;
  let previous = CHAIN_START.hash;
  while (Date.now() < deadline) {
    for (const content of contents) previous = chainHash(content, previous);
    hashed += contents.length;
  }
  return hashed / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  const emmettSqlite = withEmmett
    ? (ensureBenchPeers(EMMETT_SQLITE_PEERS)('@event-driven-io/emmett-sqlite') as EmmettSqlite)
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-append-'));
  const rows: Row[] = [];
  const hashRate = hashingAlone();
  try {
    for (const scenario of scenarios) {
      const rawRate = raw(dir, scenario, false);
      const chainedRate = raw(dir, scenario, true);
      const ourRate = await ours(dir, scenario);
      const emmettRate = emmettSqlite ? await emmett(emmettSqlite, dir, scenario) : Number.NaN;
      rows.push({
        scenario: scenario.name,
        'ours events/s': Math.round(ourRate),
        'raw better-sqlite3 events/s': Math.round(rawRate),
        'raw + hash chain events/s': Math.round(chainedRate),
        'ours / raw': Math.round((ourRate / rawRate) * 100) / 100,
        'raw with / without hashing': Math.round((chainedRate / rawRate) * 100) / 100,
        'hashing share of ours': Math.round((ourRate / hashRate) * 1000) / 1000,
        ...(withEmmett && {
          'Emmett SQLite events/s': Math.round(emmettRate),
          'ours / Emmett': Math.round((ourRate / emmettRate) * 100) / 100,
        }),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(
    `append (SQLite, synchronous=${synchronous})`,
    `npm run bench -- append --seconds ${seconds} --synchronous ${synchronous}${withEmmett ? '' : ' --without-emmett'}`,
    rows,
    [
      `each scenario runs ${seconds} s; events are ContactLogged envelopes of ~600 bytes`,
      'raw = the same rows inserted by a bare better-sqlite3 loop, one transaction per group of rows a group commit would gather',
      'ours hashes every event into the chain (SHA-256 over its stored content and the previous hash); raw + hash chain = the raw loop computing the same hash per row: its ratio to raw is the cost of hashing',
      `hashing alone (no I/O): ${Math.round(hashRate).toLocaleString('en-US')} events/s; hashing share of ours = ours events/s ÷ that, the part of each append's time spent hashing`,
      ...(withEmmett
        ? [
            'Emmett = @event-driven-io/emmett-sqlite 0.38.5 (node-sqlite3, its default settings), the same appends with expected versions; its store fails concurrent appends (SQLITE_BUSY), so its writers take turns',
          ]
        : ['Emmett not run (--without-emmett)']),
    ],
  );
}

void main();
