import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { SqliteReadStore } from '../adapters/sqlite.read-store';
import { describeTallyRangeContract } from '../testing/tally-range.contract';

describeTallyRangeContract('in-memory', async () => {
  const store = new InMemoryReadStore();
  return { store, cleanup: () => store.close() };
});

describeTallyRangeContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-tallies-'));
  const store = new SqliteReadStore(join(dir, 'read-models.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
