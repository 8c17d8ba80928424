import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKeyStoreContract } from '../testing/key-store.contract';
import { InMemoryKeyStore } from './in-memory.key-store';
import { SqliteKeyStore } from './sqlite.key-store';

describeKeyStoreContract('in-memory', async () => {
  const store = new InMemoryKeyStore();
  return { store, cleanup: () => store.close() };
});

describeKeyStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-keys-'));
  const file = join(dir, 'keys.db');
  let store = new SqliteKeyStore(file);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new SqliteKeyStore(file);
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
