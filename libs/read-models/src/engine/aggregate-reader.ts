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

/** Aggregate documents read per round trip of readTallyRange. */
const TALLY_PAGE = 1000;

/**
 * The figures of the keys in [from, to) (their order is the key's string order, e.g. the
 * months `month:YYYY-MM`), summed over shards, by key: one indexed range read (a page per
 * thousand documents) instead of one lookup per key. Keys without a document are absent.
 */
export async function readTallyRange(
  store: ReadStore,
  collection: string,
  from: string,
  to: string,
): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  let after: { value: string; id: string } | undefined;
  for (;;) {
    const page = await store.findRange<AggregateDocument>(collection, {
      orderBy: 'key',
      from,
      to,
      limit: TALLY_PAGE,
      ...(after && { after }),
    });
    for (const document of page) {
      // A key's first shard is taken as read (the embedded profile has one shard per key).
      const sums = tallies.get(document.key);
      if (sums) addTally(sums, document.sums);
      else tallies.set(document.key, document.sums);
    }
    const last = page[page.length - 1];
    if (!last || page.length < TALLY_PAGE) return tallies;
    after = { value: last.key, id: last.id };
  }
}
