import type { EventStore } from '../event-store.port';

type AdapterModule = typeof import('./eventstoredb.event-store');

/**
 * Opens the EventStoreDB (KurrentDB) adapter. Its gRPC client is loaded only here, when a
 * CRM_EVENT_STORE_URL is configured, so the embedded profile and the tests never pay for it.
 */
export function openEventStoreDb(
  connectionString: string,
  options: { clock?: () => Date } = {},
): EventStore {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above */
  const adapter = require('./eventstoredb.event-store') as AdapterModule;
  return new adapter.EventStoreDbEventStore(connectionString, options);
}
