import { InMemoryReadStore } from '@rapport/read-models/adapters';
import type { AppConfig } from '@rapport/platform';
import { AnalyticsService } from './analytics.service';
import type { ProjectionProgress } from './projection-progress';
import type { ReadModelCatalog } from './read-model.catalog';

// Just after an upgrade the active generation may come from a definition that did not keep a
// figure yet; its rebuild runs beside it. A figure that generation keeps is answered from it;
// one it does not keep is refused (503 + Retry-After), never computed from every document.
describe('AnalyticsService during an upgrade', () => {
  const deal = {
    id: 'd1',
    position: 3,
    dealId: 'd1',
    customerId: 'c1',
    ownerId: 'rep-1',
    title: 'D1',
    status: 'won',
    stage: 'proposal',
    amountMinor: 120_000,
    currency: 'EUR',
    openedAt: '2026-01-01T00:00:00.000Z',
    closedAt: '2026-01-11T00:00:00.000Z',
    lostReason: null,
  };

  async function given(activeVersion: number) {
    const store = new InMemoryReadStore();
    await store.commit({
      writes: [{ collection: 'pipeline_deals__g1', document: deal }],
      checkpoints: [],
    });
    const scans = jest.spyOn(store, 'scan');
    const analytics = new AnalyticsService(
      store,
      { defaultCurrency: 'EUR', stageProbabilities: {} } as unknown as AppConfig,
      () => new Date('2026-11-25T12:00:00.000Z'),
      {
        collection: async () => 'pipeline_deals__g1',
        aggregateCollection: async () => 'pipeline_owner_tallies__g1',
        activeVersion: async () => activeVersion,
        activeGeneration: async () => 1,
      } as unknown as ReadModelCatalog,
      { position: () => 3 } as unknown as ProjectionProgress,
    );
    return { analytics, scanned: () => scans.mock.calls.map(([collection]) => collection) };
  }

  it("reads the owners' tallies, never the deals", async () => {
    const { analytics, scanned } = await given(2);
    // No tallies were written in this store: the figures are the tallies', not the deal's.
    expect((await analytics.pipeline()).won.count).toBe(0);
    expect(scanned()).toEqual(['pipeline_owner_tallies__g1']);
  });

  it('answers retention from a generation that keeps its cohorts while a newer one is rebuilt', async () => {
    const { analytics } = await given(2);
    await expect(analytics.retention()).resolves.toMatchObject({ cohorts: [] });
  });

  it('refuses, with when to come back, a figure the active generation does not keep yet', async () => {
    const { analytics, scanned } = await given(2);
    for (const read of [
      () => analytics.churnRisk(10),
      () => analytics.segments(),
      () => analytics.segmentPage('champions', {}, undefined, 10),
    ]) {
      await expect(read()).rejects.toMatchObject({
        statusCode: 503,
        code: 'FIGURES_REBUILDING',
        headers: { 'Retry-After': '30' },
      });
    }
    const older = await given(1);
    await expect(older.analytics.pipeline()).rejects.toMatchObject({ statusCode: 503 });
    await expect(older.analytics.retention()).rejects.toMatchObject({ statusCode: 503 });
    expect([...scanned(), ...older.scanned()]).toEqual([]);
  });
});

describe('AnalyticsService while the rankings job catches up', () => {
  it('refuses the churn ranking, with when to come back, while more rows are stale than it scores itself', async () => {
    const store = new InMemoryReadStore();
    // Every row of the ranking is past its rescoring time (the process was down a long while).
    jest
      .spyOn(store, 'findRange')
      .mockImplementation(async (_collection, query) =>
        query.orderBy === 'rescoreAt'
          ? (Array.from({ length: query.limit }, (_, i) => ({ id: `c${i}`, position: i })) as never)
          : [],
      );
    const analytics = new AnalyticsService(
      store,
      { defaultCurrency: 'EUR' } as unknown as AppConfig,
      () => new Date('2026-11-25T12:00:00.000Z'),
      {
        activeVersion: async () => 5,
        activeGeneration: async () => 1,
      } as unknown as ReadModelCatalog,
      { position: () => 3 } as unknown as ProjectionProgress,
    );

    await expect(analytics.churnRisk(10)).rejects.toMatchObject({
      statusCode: 503,
      code: 'RANKING_BEHIND',
      headers: { 'Retry-After': '2' },
    });
  });
});
