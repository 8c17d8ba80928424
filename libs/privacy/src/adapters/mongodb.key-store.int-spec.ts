import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import {
  dropDatabase,
  scratchDatabaseName,
  testServers,
} from '../../../../test/integration/support/test-servers';
import { describeKeyStoreContract } from '../testing/key-store.contract';
import { MongoKeyStore } from './mongodb.key-store';

const databaseName = () => scratchDatabaseName('rapport_keys');

describeKeyStoreContract('mongodb', async () => {
  const { mongoUrl } = testServers();
  const name = databaseName();
  let store = await MongoKeyStore.connect(mongoUrl, name);
  return {
    store,
    reopen: async () => {
      await store.close();
      store = await MongoKeyStore.connect(mongoUrl, name);
      return store;
    },
    cleanup: async () => {
      await store.close();
      await dropDatabase(mongoUrl, name);
    },
  };
});

describe('MongoKeyStore specifics', () => {
  const { mongoUrl } = testServers();
  let name: string;

  beforeEach(() => {
    name = databaseName();
  });
  afterEach(() => dropDatabase(mongoUrl, name));

  it('lets one of several processes racing to create a key win', async () => {
    const stores = await Promise.all([0, 1, 2].map(() => MongoKeyStore.connect(mongoUrl, name)));
    try {
      const ids = Array.from({ length: 50 }, () => randomUUID());
      for (const id of ids) {
        const results = await Promise.all(
          stores.map((store, i) => store.insertIfAbsent(id, `key-${i}`)),
        );
        expect(new Set(results).size).toBe(1);
        expect(await stores[0]!.load(id)).toBe(results[0]);
      }
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('stores documents as { _id: customerId, wrappedKey }, and a given client stays open', async () => {
    const client = await MongoClient.connect(mongoUrl);
    try {
      const store = new MongoKeyStore(client, name);
      await store.insertIfAbsent('c1', 'wrapped');
      await store.close();
      expect(await client.db(name).collection('customer_keys').find({}).toArray()).toEqual([
        { _id: 'c1', wrappedKey: 'wrapped' },
      ]);
    } finally {
      await client.close();
    }
  });
});
