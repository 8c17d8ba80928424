import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { verifyChainOf, type ChainClaim, type ChainVerification } from '../hash-chain';
import { newEvent } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite.event-store';

// Someone with write access to events.db changes rows behind the store's back; the chain
// must name the first position that no longer matches.
describe('SQLite event store: a log changed outside the store', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-tamper-'));
    file = join(dir, 'events.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Ten events in three streams, the personal one sealed as the API stores it. */
  async function givenALogOfTenEvents(): Promise<void> {
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    const customer = `customer-${randomUUID()}`;
    for (let revision = -1; revision < 9; revision++) {
      const streamId = revision % 3 === 0 ? `deal-${randomUUID()}` : customer;
      await store.append({
        streams: [
          {
            streamId,
            expectedRevision: 'any',
            events: [newEvent('ContactLogged', { note: 'v1.sealed-by-client-key', n: revision })],
          },
        ],
      });
    }
    await store.close();
  }

  function whenTheFileIsEdited(edit: (db: Database.Database) => void): void {
    const db = new Database(file);
    try {
      db.transaction(() => edit(db))();
    } finally {
      db.close();
    }
  }

  async function verification(claims: ChainClaim[] = []): Promise<ChainVerification> {
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    try {
      return await verifyChainOf(store, { claims, pageSize: 3 });
    } finally {
      await store.close();
    }
  }

  it('verifies an untouched log to its head', async () => {
    await givenALogOfTenEvents();
    const result = await verification();
    expect(result.problem).toBeUndefined();
    expect(result.head.position).toBe(10);
    expect(result.checked).toBe(10);
  });

  it('names an altered event', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) =>
      db
        .prepare('UPDATE events SET data = ? WHERE position = 6')
        .run(JSON.stringify({ note: 'v1.sealed-by-client-key', n: 1000 })),
    );
    expect((await verification()).problem).toMatchObject({ position: 6, kind: 'mismatch' });
  });

  it('names an event whose metadata or time was changed', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) =>
      db
        .prepare("UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = 3")
        .run(),
    );
    expect((await verification()).problem).toMatchObject({ position: 3, kind: 'mismatch' });
  });

  it('names a deleted event', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) => db.prepare('DELETE FROM events WHERE position = 4').run());
    expect((await verification()).problem).toMatchObject({ position: 4, kind: 'missing' });
  });

  it('names the first of two events that swapped places', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) => {
      const move = db.prepare('UPDATE events SET position = ? WHERE position = ?');
      move.run(-1, 5);
      move.run(5, 8);
      move.run(8, -1);
    });
    expect((await verification()).problem).toMatchObject({ position: 5, kind: 'mismatch' });
  });

  it('names an event inserted between two others', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) => {
      for (let position = 10; position >= 7; position--) {
        db.prepare('UPDATE events SET position = position + 1 WHERE position = ?').run(position);
      }
      db.prepare(
        `INSERT INTO events (position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at)
         SELECT 7, ?, 'deal-forged', 0, type, schema_version, data, metadata, recorded_at FROM events WHERE position = 6`,
      ).run(randomUUID());
    });
    expect((await verification()).problem).toMatchObject({ position: 7, kind: 'unchained' });
  });

  it('names an event inserted with a hash copied from a genuine one', async () => {
    await givenALogOfTenEvents();
    whenTheFileIsEdited((db) =>
      db
        .prepare(
          `INSERT INTO events (position, id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at, hash)
           SELECT 11, ?, 'deal-forged', 0, type, schema_version, data, metadata, recorded_at, hash FROM events WHERE position = 10`,
        )
        .run(randomUUID()),
    );
    expect((await verification()).problem).toMatchObject({ position: 11, kind: 'mismatch' });
  });

  it('names the cut when the newest events were deleted, given a sealed checkpoint', async () => {
    await givenALogOfTenEvents();
    const sealed = await verification();
    whenTheFileIsEdited((db) => db.prepare('DELETE FROM events WHERE position > 7').run());
    const result = await verification([
      { position: sealed.head.position, hash: sealed.head.hash, source: 'the witness' },
    ]);
    expect(result.problem).toMatchObject({ position: 8, kind: 'missing' });
  });

  it('names a log rewritten with a fresh chain, given a sealed checkpoint', async () => {
    await givenALogOfTenEvents();
    const sealed = await verification();
    rmSync(file);
    await givenALogOfTenEvents();
    const result = await verification([
      { position: sealed.head.position, hash: sealed.head.hash, source: 'the witness' },
    ]);
    expect(result.problem).toMatchObject({ position: 10, kind: 'checkpoint-mismatch' });
  });

  it('chains a file written before the chain existed, once, when first opened', async () => {
    const old = new Database(file);
    old.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
      stream_revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL,
      data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
      UNIQUE (stream_id, stream_revision))`);
    const insert = old.prepare(
      'INSERT INTO events (id, stream_id, stream_revision, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)',
    );
    for (let revision = 0; revision < 5; revision++) {
      const event = newEvent('LeadCreated', { n: revision });
      insert.run(
        event.id,
        'customer-old',
        revision,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata),
        '2025-01-01T00:00:00.000Z',
      );
    }
    old.close();

    const store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
    await store.append({
      streams: [{ streamId: 'customer-old', expectedRevision: 4, events: [newEvent('A')] }],
    });
    await store.close();
    const first = await verification();
    expect(first.problem).toBeUndefined();
    expect(first.head.position).toBe(6);
    // Opened again, the chain is kept, not recomputed: an edit made since is still found.
    whenTheFileIsEdited((db) =>
      db.prepare("UPDATE events SET type = 'X' WHERE position = 2").run(),
    );
    expect((await verification()).problem).toMatchObject({ position: 2, kind: 'mismatch' });
  });
});
