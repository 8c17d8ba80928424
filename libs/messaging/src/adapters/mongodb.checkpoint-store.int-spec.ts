import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { testServers } from '../../../../test/integration/support/test-servers';
import { describeCheckpointStoreContract } from '../testing/checkpoint-store.contract';
import { MongoCheckpointStore } from './mongodb.checkpoint-store';

describeCheckpointStoreContract('mongodb', async () => {
  const database = `checkpoints_${randomUUID().slice(0, 8)}`;
  const url = testServers().mongoUrl;
  let client = await MongoClient.connect(url);
  let store = new MongoCheckpointStore(client, database);
  return {
    store,
    reopen: async () => {
      await client.close();
      client = await MongoClient.connect(url);
      store = new MongoCheckpointStore(client, database);
      return store;
    },
    cleanup: async () => {
      await client.db(database).dropDatabase();
      await client.close();
    },
  };
});
