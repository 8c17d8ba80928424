import { describeEventStoreContract } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb.event-store';

// Runs only when CRM_EVENT_STORE_URL names a KurrentDB >= 25.1 (see jest.config.js), e.g.
// kurrentdb://127.0.0.1:2113?tls=false. The server is shared between tests: the contract
// uses fresh stream names and compares the global log against the head it saw first.
describeEventStoreContract('eventstoredb', async () => {
  const url = process.env.CRM_EVENT_STORE_URL;
  if (!url) throw new Error('CRM_EVENT_STORE_URL must name a KurrentDB server');
  let store = new EventStoreDbEventStore(url);
  return {
    store,
    // A new client on the same server: what it reads back was acknowledged to the old one.
    reopen: async () => {
      await store.close();
      store = new EventStoreDbEventStore(url);
      return store;
    },
    cleanup: async () => {
      await store.close();
    },
  };
});
