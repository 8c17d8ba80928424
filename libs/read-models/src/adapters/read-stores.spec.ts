import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadStoreContract } from '../testing/read-store.contract';
import { InMemoryReadStore } from './in-memory.read-store';
import { SqliteReadStore } from './sqlite.read-store';

describeReadStoreContract('in-memory', async () => {
  const store = new InMemoryReadStore();
  return { store, cleanup: () => store.close() };
});

describeReadStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-rs-'));
  const file = join(dir, 'read-models.db');
  let store = new SqliteReadStore(file);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new SqliteReadStore(file);
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite read store: page cache', () => {
  it('starts with the cache it was given, and takes another while open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-rs-'));
    const store = new SqliteReadStore(join(dir, 'read-models.db'), { cacheMiB: 128 });
    try {
      expect(store.cacheMiB).toBe(128);
      store.cacheMiB = 16;
      expect(store.cacheMiB).toBe(16);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
