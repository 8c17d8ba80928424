import { addTally, type AggregateDocument, type Tally } from '../aggregation';
import type { ReadStore } from '../read-store.port';

/** Shards one key can have: one per Kafka partition of each topic, the log and releases. */
const MAX_SHARDS_PER_KEY = 1000;

/**
 * The figures of an aggregate collection, summed over shards, by key: of the keys given
 * (an indexed lookup each), or of every key. Aggregate collections hold one small document
 * per key and shard (owners, cohort months), never one per client.
 */
export async function readTallies(
  store: ReadStore,
  collection: string,
  keys?: readonly string[],
): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  const add = (document: AggregateDocument) => {
    let sums = tallies.get(document.key);
    if (!sums) tallies.set(document.key, (sums = {}));
    addTally(sums, document.sums);
  };
  if (keys) {
    for (const key of keys) {
      tallies.set(key, {});
      const shards = await store.find<AggregateDocument>(collection, {
        where: { key },
        limit: MAX_SHARDS_PER_KEY,
      });
      shards.forEach(add);
    }
  } else {
    for await (const page of store.scan<AggregateDocument>(collection, 1000)) page.forEach(add);
  }
  return tallies;
}
