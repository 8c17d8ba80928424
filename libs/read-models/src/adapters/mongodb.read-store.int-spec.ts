import { MongoClient } from 'mongodb';
import {
  dropDatabase,
  scratchDatabaseName,
  testServers,
} from '../../../../test/integration/support/test-servers';
import type { ProjectionState, StoredDocument } from '../read-store.port';
import { describeReadStoreContract } from '../testing/read-store.contract';
import { MongoReadStore } from './mongodb.read-store';

const databaseName = () => scratchDatabaseName('rapport_rs');

describeReadStoreContract('mongodb', async () => {
  const { mongoUrl } = testServers();
  const name = databaseName();
  let store = await MongoReadStore.connect(mongoUrl, name);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await MongoReadStore.connect(mongoUrl, name);
      return store;
    },
    cleanup: async () => {
      await store.close();
      await dropDatabase(mongoUrl, name);
    },
  };
});

interface Doc extends StoredDocument {
  status: string;
  extra?: string;
}

const doc = (id: string, position: number, fields: Partial<Doc> = {}): Doc => ({
  id,
  position,
  status: 'lead',
  ...fields,
});

const state = (projection: string, generation: number, active = false): ProjectionState => ({
  projection,
  generation,
  version: 1,
  position: 0,
  status: 'live',
  active,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('MongoReadStore specifics', () => {
  const { mongoUrl } = testServers();
  let client: MongoClient;
  let name: string;
  let store: MongoReadStore;
  /** Commands sent, as "command collection". */
  let commands: string[];

  beforeEach(async () => {
    client = await MongoClient.connect(mongoUrl, { monitorCommands: true });
    commands = [];
    client.on('commandStarted', (event) => {
      const target: unknown = event.command[event.commandName];
      commands.push(
        typeof target === 'string' ? `${event.commandName} ${target}` : event.commandName,
      );
    });
    name = databaseName();
    store = new MongoReadStore(client, name);
    await store.ensureCollection('docs', ['status']);
    await store.ensureCollection('parked', ['released']);
    await store.saveProjectionState(state('p', 1, true));
  });
  afterEach(async () => {
    await store.close();
    await client.db(name).dropDatabase();
    await client.close();
  });

  it('commits a batch in one bulk write per collection, then the checkpoints', async () => {
    commands = [];
    await store.commit({
      writes: ['a', 'b', 'c'].flatMap((id, i) => [
        { collection: 'docs', document: doc(id, i + 1) },
        { collection: 'parked', document: doc(id, i + 1) },
      ]),
      checkpoints: [{ projection: 'p', generation: 1, position: 3 }],
    });
    expect(commands.slice(0, 2).sort()).toEqual(['update rm_docs', 'update rm_parked']);
    expect(commands.slice(2)).toEqual(['update projection_state']);
  });

  it('writes and loads thousands of documents without a round trip per document', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `c${String(i).padStart(5, '0')}`);
    const batch = {
      writes: ids.flatMap((id, i) => [
        { collection: 'docs', document: doc(id, i + 1) },
        { collection: 'parked', document: doc(id, i + 1) },
      ]),
      checkpoints: [{ projection: 'p', generation: 1, position: ids.length }],
    };
    // The driver splits a bulk write at the server's maxWriteBatchSize: 100,000 operations on
    // MongoDB, 1,000 on the test server, hence a few commands per collection here.
    const perCollection = Math.ceil(ids.length / 999);
    commands = [];
    await store.commit(batch);
    expect(commands).toHaveLength(2 * perCollection + 1);
    expect(commands[commands.length - 1]).toBe('update projection_state');

    commands = [];
    const loaded = await store.getMany<Doc>('docs', ids);
    expect(loaded.size).toBe(ids.length);
    expect(loaded.get('c00042')).toEqual(doc('c00042', 43));
    expect(commands).toEqual(['find rm_docs']);

    // Redelivered: every upsert hits a duplicate key, one more bulk per collection settles
    // them, the checkpoint does not move (so its state is looked up), and nothing changes.
    commands = [];
    await store.commit(batch);
    expect(commands).toHaveLength(4 * perCollection + 2);
    expect(commands.slice(-2)).toEqual(['update projection_state', 'find projection_state']);
    expect(await store.get('docs', 'c01999')).toEqual(doc('c01999', 2000));
    expect(await store.count('docs')).toBe(ids.length);
  });

  it('replaces the whole document: a field the projection dropped does not linger', async () => {
    await store.commit({
      writes: [{ collection: 'docs', document: doc('a', 1, { extra: 'old' }) }],
      checkpoints: [],
    });
    await store.commit({
      writes: [{ collection: 'docs', document: doc('a', 2, { extra: undefined }) }],
      checkpoints: [],
    });
    const stored = await store.get('docs', 'a');
    expect(stored).toEqual(doc('a', 2));
    // An undefined field is left out, as JSON does, not stored as null.
    expect(Object.keys(stored ?? {})).not.toContain('extra');
  });

  it('refuses writes to a collection that was never ensured and queries on fields without index', async () => {
    await expect(
      store.commit({ writes: [{ collection: 'nowhere', document: doc('a', 1) }], checkpoints: [] }),
    ).rejects.toThrow('collection nowhere does not exist');
    await expect(store.find('docs', { where: { extra: 'x' }, limit: 5 })).rejects.toThrow(
      'no index on extra',
    );
    await expect(store.ensureCollection('bad name', [])).rejects.toThrow();
  });

  it('adds an index to an existing collection, also one created by another store', async () => {
    await store.commit({
      writes: [{ collection: 'docs', document: doc('a', 1, { extra: 'x' }) }],
      checkpoints: [],
    });
    const other = await MongoReadStore.connect(mongoUrl, name);
    try {
      await other.ensureCollection('docs', ['extra']);
    } finally {
      await other.close();
    }
    expect(
      (await store.find('docs', { where: { extra: 'x' }, limit: 5 })).map((d) => d.id),
    ).toEqual(['a']);
    const keys = (await client.db(name).collection('rm_docs').listIndexes().toArray()).map(
      (index) => index.key as Record<string, number>,
    );
    expect(keys).toEqual(
      expect.arrayContaining([
        { status: 1, _id: 1 },
        { extra: 1, _id: 1 },
      ]),
    );
  });

  it('creates a collection without indexes and drops a missing one quietly', async () => {
    await store.ensureCollection('plain', []);
    await store.commit({
      writes: [{ collection: 'plain', document: doc('a', 1) }],
      checkpoints: [],
    });
    expect(await store.count('plain')).toBe(1);
    await store.dropCollection('plain');
    await store.dropCollection('plain');
    expect(await store.count('plain')).toBe(0);
  });

  it('fails a commit whose checkpoint has no state (its documents are written by then)', async () => {
    await expect(
      store.commit({
        writes: [{ collection: 'docs', document: doc('a', 4) }],
        checkpoints: [{ projection: 'p', generation: 9, position: 4 }],
      }),
    ).rejects.toThrow('no state for projection p generation 9');
    expect(await store.get('docs', 'a')).toEqual(doc('a', 4));
  });

  it('ends with the newest document when writers race', async () => {
    const stores = await Promise.all([0, 1].map(() => MongoReadStore.connect(mongoUrl, name)));
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
      // Writer w writes positions w, w + 2, w + 4, ...: interleaved, each id first inserted
      // by whichever writer gets there first.
      await Promise.all(
        stores.map(async (writer, w) => {
          for (let round = 0; round < 10; round++) {
            const position = round * 2 + w + 1;
            await writer.commit({
              writes: ids.map((id) => ({ collection: 'docs', document: doc(id, position) })),
              checkpoints: [],
            });
          }
        }),
      );
      const stored = await store.getMany<Doc>('docs', ids);
      expect([...stored.values()].map((d) => d.position)).toEqual(ids.map(() => 20));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('shows readers exactly one active generation while generations swap', async () => {
    await store.saveProjectionState(state('p', 2));
    const writer = await MongoReadStore.connect(mongoUrl, name);
    let swapping = true;
    const seen: number[] = [];
    try {
      const reads = (async () => {
        while (swapping) {
          const states = (await store.projectionStates()).filter((s) => s.projection === 'p');
          seen.push(states.filter((s) => s.active).length);
        }
      })();
      for (let i = 0; i < 30; i++) await writer.activate('p', (i % 2) + 1);
      swapping = false;
      await reads;
    } finally {
      swapping = false;
      await writer.close();
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([1]));
  });

  it('keeps the active generation out of saved states: saving inactive deactivates', async () => {
    await store.saveProjectionState(state('p', 2));
    await store.activate('p', 2);
    await store.saveProjectionState({ ...state('p', 1), position: 7 });
    let active = (await store.projectionStates()).filter((s) => s.active);
    expect(active.map((s) => s.generation)).toEqual([2]);
    await store.saveProjectionState(state('p', 2));
    expect((await store.projectionStates()).filter((s) => s.active)).toEqual([]);
    // A deleted generation does not come back active when its number is used again.
    await store.activate('p', 1);
    await store.deleteProjectionState('p', 1);
    await store.saveProjectionState(state('p', 1));
    active = (await store.projectionStates()).filter((s) => s.active);
    expect(active).toEqual([]);
  });

  it('leaves a client it was given open on close()', async () => {
    await store.close();
    expect(await client.db(name).collection('projection_state').countDocuments()).toBe(1);
  });
});
