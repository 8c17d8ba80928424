import type { EventStore } from './event-store.port';

/**
 * Opens the EventStoreDB (KurrentDB) adapter. Its gRPC client is loaded only here, when a
 * CRM_EVENT_STORE_URL is configured, so the embedded profile and the tests never pay for it.
 */
export function openEventStoreDb(
  connectionString: string,
  options: { clock?: () => Date } = {},
): EventStore {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EventStoreDbEventStore } =
    require('./adapters/eventstoredb.event-store') as typeof import('./adapters/eventstoredb.event-store');
  return new EventStoreDbEventStore(connectionString, options);
}
