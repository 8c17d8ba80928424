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
