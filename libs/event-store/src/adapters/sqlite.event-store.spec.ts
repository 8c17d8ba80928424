import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WrongExpectedRevisionError } from '../event-store.errors';
import type { AppendRequest } from '../event-store.port';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { newEvent, type EventOrigin } from '../new-event';
import { SqliteEventStore } from './sqlite.event-store';

describeEventStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
  const file = join(dir, 'events.db');
  let store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new SqliteEventStore({ file, synchronous: 'NORMAL' });
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeEventStoreContract('sqlite, writing on a thread of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
  const file = join(dir, 'events.db');
  const open = () => new SqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true });
  let store = open();
  return {
    store,
    reopen: async () => {
      await store.close();
      store = open();
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite event store: writing on a thread of its own', () => {
  it("keeps answering while the file's write lock is held elsewhere, and commits once it is free", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL', writerThread: true });
    // Another process writing the same file (an import into the live log) holds its lock.
    const other = new Database(file);
    try {
      await store.append(contactOn('customer-1', 'no-stream'));
      other.exec('BEGIN IMMEDIATE');
      const waiting = store.append(contactOn('customer-1', 0));
      let answered = false;
      void waiting.then(() => (answered = true));

      // The lock is still held: reads answer, timers fire, the append waits.
      await new Promise((tick) => setTimeout(tick, 200));
      expect((await store.readStream('customer-1')).revision).toBe(0);
      expect(answered).toBe(false);

      other.exec('COMMIT');
      const result = await waiting;
      expect(result.revisions).toEqual({ 'customer-1': 1 });
      expect((await store.readStream('customer-1')).revision).toBe(1);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives each append the caller's own data back, and a refusal as the store's own error", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
    const store = new SqliteEventStore({
      file: join(dir, 'events.db'),
      synchronous: 'NORMAL',
      writerThread: true,
    });
    try {
      const request = contactOn('customer-1', 'no-stream');
      const result = await store.append(request);
      expect(result.events[0]!.data).toBe(request.streams[0]!.events[0]!.data);
      expect(result.events[0]!.position).toBe(1);
      await expect(store.append(contactOn('customer-1', 'no-stream'))).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        streamId: 'customer-1',
        actual: 0,
      });
      await expect(store.append(contactOn('customer-1', 'no-stream'))).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function contactOn(streamId: string, expectedRevision: number | 'no-stream'): AppendRequest {
  return {
    commandId: randomUUID(),
    streams: [
      {
        streamId,
        expectedRevision,
        events: [
          newEvent(
            { type: 'ContactLogged', schemaVersion: 1, data: { note: 'x' } } as never,
            origin,
          ),
        ],
      },
    ],
  };
}

describe('sqlite event store: WAL checkpoints', () => {
  // ~2,400 pages of WAL: well past the 1,000 at which SQLite's writer checkpoints by itself.
  const appendPages = async (store: SqliteEventStore) => {
    for (let round = 0; round < 40; round++) {
      await store.appendBatch(
        Array.from({ length: 60 }, (_, i) => ({
          commandId: randomUUID(),
          streams: [
            {
              streamId: `customer-${round}-${i}`,
              expectedRevision: 'no-stream' as const,
              events: [
                newEvent(
                  { type: 'Noted', schemaVersion: 1, data: { text: 'x'.repeat(3000) } } as never,
                  origin,
                ),
              ],
            },
          ],
        })),
      );
    }
  };
  const givenAStore = (options: Partial<ConstructorParameters<typeof SqliteEventStore>[0]>) => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
    const file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file, synchronous: 'NORMAL', ...options });
    const fileBytes = () => statSync(file).size;
    const cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { store, file, fileBytes, cleanup };
  };

  it.each([
    ['the calling thread', false],
    ['a writer thread', true],
  ])(
    'copies the WAL into the file once it passes 1,000 pages, committing on %s',
    async (_where, writerThread) => {
      const { store, file, fileBytes, cleanup } = givenAStore({ writerThread });
      try {
        const before = fileBytes();
        await appendPages(store);
        expect(fileBytes()).toBeGreaterThan(before + 1_000_000);
        // Reopened from the file alone (the WAL removed on close), every event is there.
        await store.close();
        const reopened = new SqliteEventStore({ file, synchronous: 'NORMAL' });
        expect((await reopened.readAll({ after: 0, limit: 5000 })).length).toBe(2400);
        await reopened.close();
      } finally {
        await cleanup();
      }
    },
  );
});

describe('sqlite event store: reading one client', () => {
  it("finds a client's events through the index on metadata.customerId, not by scanning the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
    const store = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'NORMAL' });
    try {
      expect(store.explainReadCustomer()).toMatch(
        /^SEARCH events USING (COVERING )?INDEX events_by_customer \(<expr>=\? AND position>\?\)$/,
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite event store: group commit', () => {
  it.each([
    ['on the calling thread', false],
    ['on a writer thread', true],
  ])(
    'checks the appends of one tick in call order, each against those that went through (%s)',
    async (_where, writerThread) => {
      const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
      const store = new SqliteEventStore({
        file: join(dir, 'events.db'),
        synchronous: 'NORMAL',
        writerThread,
      });
      const append = (expectedRevision: number | 'no-stream', type: string) =>
        store.append({
          commandId: randomUUID(),
          streams: [
            {
              streamId: 'customer-1',
              expectedRevision,
              events: [newEvent({ type, schemaVersion: 1, data: {} } as never, origin)],
            },
          ],
        });
      try {
        // One tick: one transaction, each append in its own savepoint.
        const outcomes = await Promise.allSettled([
          append('no-stream', 'A'),
          append(5, 'refused'),
          append(0, 'B'),
          append(2, 'refused too'),
          append(1, 'C'),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        const read = await store.readStream('customer-1');
        expect(read.events.map((e) => e.type)).toEqual(['A', 'B', 'C']);
        expect(read.revision).toBe(2);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

const origin: EventOrigin = {
  customerId: '1',
  actor: { id: 'test', roles: ['service'], kind: 'service' },
  correlationId: 'c',
  commandId: 'c',
  source: 'test',
};
