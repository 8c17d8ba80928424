import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCheckpointStoreContract } from '../testing/checkpoint-store.contract';
import { describeMessageBusContract } from '../testing/message-bus.contract';
import { InMemoryCheckpointStore } from './in-memory.checkpoint-store';
import { InMemoryMessageBus } from './in-memory.message-bus';
import { SqliteCheckpointStore } from './sqlite.checkpoint-store';

describeMessageBusContract('in-memory', async () => {
  const bus = new InMemoryMessageBus();
  // A restarted process on the in-memory bus is the same bus: offsets live in it.
  return { bus, reconnect: async () => bus, cleanup: () => bus.close() };
});

describeCheckpointStoreContract('in-memory', async () => {
  const store = new InMemoryCheckpointStore();
  return { store, cleanup: () => store.close() };
});

describeCheckpointStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-cp-'));
  let store = new SqliteCheckpointStore(join(dir, 'checkpoints.db'));
  return {
    store,
    reopen: async () => {
      await store.close();
      store = new SqliteCheckpointStore(join(dir, 'checkpoints.db'));
      return store;
    },
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
