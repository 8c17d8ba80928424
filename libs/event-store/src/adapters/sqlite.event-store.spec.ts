import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../testing/event-store.contract';
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
