import type { EventEnvelope } from '@rapport/domain';
import { InMemoryEventStore } from '@rapport/event-store/adapters';

/** An in-memory event store holding `events`, appended one by one in their order. */
export async function seededEventStore(
  events: readonly EventEnvelope[],
): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (const event of events) {
    await store.append({
      streams: [
        {
          streamId: event.streamId,
          expectedRevision: 'any',
          events: [
            {
              id: event.id,
              type: event.type,
              schemaVersion: event.schemaVersion,
              data: event.data,
              metadata: event.metadata,
            },
          ],
        },
      ],
    });
  }
  return store;
}
