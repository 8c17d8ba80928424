import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describeEventStoreContract('sqlite, checkpointed in the background', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
  const file = join(dir, 'events.db');
  const open = () =>
    new SqliteEventStore({
      file,
      synchronous: 'NORMAL',
      backgroundCheckpoints: { intervalMs: 20 },
    });
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
    const walBytes = () => statSync(`${file}-wal`).size;
    const cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { store, file, fileBytes, walBytes, cleanup };
  };

  it('by default, the writer copies the WAL into the file itself once it passes 1,000 pages', async () => {
    const { store, fileBytes, cleanup } = givenAStore({});
    try {
      const before = fileBytes();
      await appendPages(store);
      expect(fileBytes()).toBeGreaterThan(before + 1_000_000);
    } finally {
      await cleanup();
    }
  });

  it('in the background, the writer never checkpoints: its commits only append to the WAL', async () => {
    // A checkpointer that does not come round during the test.
    const { store, fileBytes, walBytes, cleanup } = givenAStore({
      backgroundCheckpoints: { intervalMs: 3_600_000 },
    });
    try {
      const before = fileBytes();
      await appendPages(store);
      expect(fileBytes()).toBe(before);
      expect(walBytes()).toBeGreaterThan(4_000_000);
      expect((await store.readAll({ after: 0, limit: 5000 })).length).toBe(2400);
    } finally {
      await cleanup();
    }
  });

  it('in the background, the checkpointer thread copies the WAL into the file as it grows', async () => {
    const { store, file, fileBytes, cleanup } = givenAStore({
      backgroundCheckpoints: { intervalMs: 20 },
    });
    try {
      const before = fileBytes();
      await appendPages(store);
      await waitFor(() => fileBytes() > before + 1_000_000);
      // Reopened from the file alone (the WAL removed on close), every event is there.
      await store.close();
      const reopened = new SqliteEventStore({ file, synchronous: 'NORMAL' });
      expect((await reopened.readAll({ after: 0, limit: 5000 })).length).toBe(2400);
      await reopened.close();
    } finally {
      await cleanup();
    }
  });
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
  it('checks the appends of one tick in call order, each against those that went through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-es-'));
    const store = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'NORMAL' });
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
  });
});

/** Polls `condition` until it holds, failing after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${String(condition)}`);
    await new Promise((tick) => setTimeout(tick, 10));
  }
}

const origin: EventOrigin = {
  customerId: '1',
  actor: { id: 'test', roles: ['service'], kind: 'service' },
  correlationId: 'c',
  commandId: 'c',
  source: 'test',
};
