// The event store's write ceiling on this machine: a seeded log's own rows copied into a fresh
// store file with the store's schema, statements and batch size, and nothing else (no history
// to decide, nothing to seal, no JSON, no hash chain: the values are already strings). Whatever
// a seed or an import adds to the log, it cannot go faster than this.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@rapport/event-store/adapters';

export interface StoreCeiling {
  events: number;
  commands: number;
  seconds: number;
}

interface Row {
  position: number;
  id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  hash: string | null;
  occurred_at: string | null;
  command_id: string | null;
}

/**
 * Copies the first `events` rows of `logFile` into a fresh store in `scratchDir` (a tmp dir by
 * default), `commandsPerBatch` commands per transaction as the seed appends them, with the
 * bulk writer's page cache. The log is read in chunks outside the timing; only the inserts and
 * the commits are timed.
 */
export async function measureStoreCeiling(
  logFile: string,
  options: { events: number; commandsPerBatch: number; cacheMiB: number; scratchDir?: string },
): Promise<StoreCeiling> {
  const source = new Database(logFile, { readonly: true });
  const chunk = source.prepare(
    `SELECT position, id, stream_id, stream_revision, type, schema_version, data, metadata,
            recorded_at, hash, occurred_at, json_extract(metadata, '$.commandId') AS command_id
     FROM events WHERE position > ? ORDER BY position LIMIT ?`,
  );
  const dir = mkdtempSync(join(options.scratchDir ?? tmpdir(), 'rapport-store-ceiling-'));
  try {
    const file = join(dir, 'events.db');
    // The store creates its schema and pragmas (WAL, synchronous = FULL) as for a real log.
    await new SqliteEventStore({ file }).close();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`cache_size = -${options.cacheMiB * 1024}`);
    const insertEvent = db.prepare(
      'INSERT INTO events (position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at, hash, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertCommand = db.prepare(
      'INSERT INTO commands (command_id, fingerprint, first_position, last_position) VALUES (?, ?, ?, ?) ON CONFLICT (command_id) DO NOTHING',
    );
    const commit = db.transaction((batch: Row[][]) => {
      for (const events of batch) {
        const first = events[0]!;
        if (first.command_id !== null)
          insertCommand.run(first.command_id, null, first.position, events.at(-1)!.position);
        for (const r of events)
          insertEvent.run(
            r.position,
            r.id,
            r.stream_id,
            r.stream_revision,
            r.type,
            r.schema_version,
            r.data,
            r.metadata,
            r.recorded_at,
            r.hash,
            r.occurred_at,
          );
      }
    });
    let copied = 0;
    let commandCount = 0;
    let nanoseconds = 0n;
    let after = 0;
    while (copied < options.events) {
      const rows = chunk.all(after, Math.min(100_000, options.events - copied)) as Row[];
      if (rows.length === 0) break;
      const commands = byCommand(rows);
      const started = process.hrtime.bigint();
      for (let i = 0; i < commands.length; i += options.commandsPerBatch)
        commit(commands.slice(i, i + options.commandsPerBatch));
      nanoseconds += process.hrtime.bigint() - started;
      copied += rows.length;
      commandCount += commands.length;
      after = rows.at(-1)!.position;
    }
    db.close();
    return { events: copied, commands: commandCount, seconds: Number(nanoseconds) / 1e9 };
  } finally {
    source.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One command's events are consecutive rows with its commandId. */
function byCommand(rows: readonly Row[]): Row[][] {
  const commands: Row[][] = [];
  for (const row of rows) {
    const last = commands[commands.length - 1];
    if (last && row.command_id !== null && last[0]!.command_id === row.command_id) last.push(row);
    else commands.push([row]);
  }
  return commands;
}
