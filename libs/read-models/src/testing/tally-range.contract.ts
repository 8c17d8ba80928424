import { aggregateDocumentId, type AggregateDocument } from '../aggregation';
import { readTallies, readTallyRange } from '../engine/aggregate-reader';
import type { ReadStore } from '../read-store.port';

const COLLECTION = 'figure_tallies';

/** 36 months, each with tallies from several shards (Kafka partitions), one empty month. */
function documents(): AggregateDocument[] {
  const docs: AggregateDocument[] = [];
  for (let m = 0; m < 36; m++) {
    const key = `month:${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
    if (m === 7) continue;
    // Enough shards that a range of months spans more than one page of documents.
    for (let shard = 0; shard < 40; shard++) {
      docs.push({
        id: aggregateDocumentId(key, `p${shard}`),
        position: m * 100 + shard,
        key,
        shard: `p${shard}`,
        sums: { 'request|repair|opened': shard + 1, [`request|repair|frt:${m}`]: 1 },
      });
    }
  }
  return docs;
}

/** readTallyRange against readTallies on one store (each adapter runs it). */
export function describeTallyRangeContract(
  name: string,
  open: () => Promise<{ store: ReadStore; cleanup: () => Promise<void> | void }>,
): void {
  describe(`readTallyRange (${name})`, () => {
    it('sums the same figures per key as reading each key, over shards and pages', async () => {
      const { store, cleanup } = await open();
      try {
        await store.ensureCollection(COLLECTION, ['key']);
        await store.commit({
          writes: documents().map((document) => ({ collection: COLLECTION, document })),
          checkpoints: [],
        });
        const months = Array.from(
          { length: 30 },
          (_, m) => `month:${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`,
        );
        const byKey = await readTallies(store, COLLECTION, months);
        const ranged = await readTallyRange(store, COLLECTION, months[0]!, `${months[29]}\uffff`);
        // The month without documents is absent from the range and empty by key.
        expect(byKey.get('month:2024-08')).toEqual({});
        expect(ranged.has('month:2024-08')).toBe(false);
        byKey.delete('month:2024-08');
        expect(ranged).toEqual(byKey);
        expect(ranged.get('month:2026-06')).toEqual({
          'request|repair|opened': (40 * 41) / 2,
          'request|repair|frt:29': 40,
        });
        // Nothing outside the range: 2026-07 onwards is not read.
        expect(ranged.has('month:2026-07')).toBe(false);
      } finally {
        await cleanup();
      }
    });
  });
}
