import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { rankKey, type CustomerRankingRow } from './customer-rankings.listing';
import { rankingCollections } from './rankings.job';
import { churnRiskPage, RankingBehindError, STALE_ROWS_LIMIT } from './rankings.queries';

const NOW = new Date('2026-12-03T12:00:00.000Z');
const collections = rankingCollections(1);

/** Ranking rows as the projector leaves them, each due for rescoring `dueMsBeforeNow` ago. */
async function givenRankedClients(count: number, dueMsBeforeNow: number) {
  const store = new InMemoryReadStore();
  const rows: CustomerRankingRow[] = Array.from({ length: count }, (_, i) => {
    const id = `c${String(i).padStart(6, '0')}`;
    return {
      id,
      position: i + 1,
      customerId: id,
      status: 'customer',
      ownerId: null,
      churnScore: 10,
      scoredAt: '2026-11-01T00:00:00.000Z',
      rescoreAt: new Date(NOW.getTime() - dueMsBeforeNow).toISOString(),
      rankKey: rankKey(10, id),
      erased: false,
      granted: [],
      wins: {},
      segmentKey: null,
      prospectKey: id,
      changeKey: String(i + 1).padStart(16, '0'),
    };
  });
  await store.commit({
    writes: rows.map((document) => ({ collection: collections.rows, document })),
    checkpoints: [],
  });
  return store;
}

describe('the churn ranking while the rankings job is behind', () => {
  it('refuses to rank when more rows are stale than it scores itself, saying how many', async () => {
    const store = await givenRankedClients(STALE_ROWS_LIMIT + 1, 60_000);

    const ranking = churnRiskPage(store, collections, NOW, 10);

    await expect(ranking).rejects.toBeInstanceOf(RankingBehindError);
    await expect(ranking).rejects.toMatchObject({ staleRows: STALE_ROWS_LIMIT + 1 });
  });

  it('ranks when no more than the limit are stale (scoring those itself)', async () => {
    const store = await givenRankedClients(STALE_ROWS_LIMIT, 60_000);

    // The 360 documents are not there: stale rows without one are left out, none is refused.
    await expect(churnRiskPage(store, collections, NOW, 10)).resolves.toMatchObject({
      customers: [],
    });
  });
});
