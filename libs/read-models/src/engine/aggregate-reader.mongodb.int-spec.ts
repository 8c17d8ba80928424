import {
  dropDatabase,
  scratchDatabaseName,
  testServers,
} from '../../../../test/integration/support/test-servers';
import { MongoReadStore } from '../adapters/mongodb.read-store';
import { describeTallyRangeContract } from '../testing/tally-range.contract';

describeTallyRangeContract('mongodb', async () => {
  const { mongoUrl } = testServers();
  const name = scratchDatabaseName('rapport_tallies');
  const store = await MongoReadStore.connect(mongoUrl, name);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropDatabase(mongoUrl, name);
    },
  };
});
