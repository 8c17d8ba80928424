import { randomUUID } from 'node:crypto';
import type { CommitBatch, ReadStore } from '@rapport/read-models';
import { InMemoryReadStore } from '@rapport/read-models/adapters';
import {
  commitDeliveries,
  DELIVERIES,
  DELIVERY_INDEXES,
  newDelivery,
  type DeliveryDocument,
} from './webhook.documents';

function delivery(subscriptionId: string, customerId: string, position: number): DeliveryDocument {
  return newDelivery(subscriptionId, {
    id: randomUUID(),
    type: 'ContactLogged',
    position,
    streamId: `customer-${customerId}`,
    streamRevision: position,
    metadata: { customerId },
  });
}

describe('recording deliveries', () => {
  it('never stores a client’s later delivery without its earlier ones, even when a commit stores only part of its writes', async () => {
    const store: ReadStore = new InMemoryReadStore();
    await store.ensureCollection(DELIVERIES, DELIVERY_INDEXES);
    // A store whose first commit stores the second half of its writes and then fails, as a
    // MongoDB bulk write whose first inserts were lost would.
    const commit = store.commit.bind(store);
    let commits = 0;
    store.commit = async (batch: CommitBatch) => {
      commits++;
      if (commits !== 1) return commit(batch);
      await commit({ ...batch, writes: batch.writes.slice(batch.writes.length / 2) });
      throw new Error('connection lost');
    };
    const subscription = randomUUID();
    const clients = ['a', 'b', 'c', 'd'];
    // Three events per client, interleaved in log order.
    const deliveries = Array.from({ length: 12 }, (_, i) =>
      delivery(subscription, clients[i % 4]!, i + 1),
    );
    const writes = deliveries.map((document) => ({ document, once: true }));

    await expect(commitDeliveries(store, writes)).rejects.toThrow('connection lost');
    const stored = new Set(
      (
        await store.getMany<DeliveryDocument>(
          DELIVERIES,
          deliveries.map((d) => d.id),
        )
      ).keys(),
    );
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.size).toBeLessThan(deliveries.length);
    for (const client of clients) {
      const lane = deliveries.filter((d) => d.customerId === client).map((d) => stored.has(d.id));
      // A prefix: stored ones first, then none.
      expect(lane).toEqual([...lane].sort((x, y) => Number(y) - Number(x)));
    }

    // Read again and recorded again (the batch is redelivered): everything, once.
    await commitDeliveries(store, writes);
    expect(await store.count(DELIVERIES)).toBe(deliveries.length);
  });
});
