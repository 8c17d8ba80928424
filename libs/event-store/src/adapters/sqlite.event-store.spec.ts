import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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

const origin: EventOrigin = {
  customerId: '1',
  actor: { id: 'test', roles: ['service'], kind: 'service' },
  correlationId: 'c',
  commandId: 'c',
  source: 'test',
};
