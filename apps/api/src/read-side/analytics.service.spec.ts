import { InMemoryReadStore } from '@rapport/read-models/adapters';
import type { AppConfig } from '@rapport/platform';
import { AnalyticsService } from './analytics.service';
import type { ProjectionProgress } from './projection-progress';
import type { ReadModelCatalog } from './read-model.catalog';

// Figures over every client are computed from a snapshot of all documents. Under a steady
// stream of commands the position moves with each one; reloading every document for every read
// made each read cost O(clients), so a snapshot serves for a second unless a read's minPosition
// needs a newer one.
describe('AnalyticsService snapshots', () => {
  let position: number;
  let now: number;
  let scans: jest.SpyInstance;
  let analytics: AnalyticsService;

  beforeEach(() => {
    position = 5;
    now = 1_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    const store = new InMemoryReadStore();
    scans = jest.spyOn(store, 'scan');
    analytics = new AnalyticsService(
      store,
      { defaultCurrency: 'EUR', stageProbabilities: {} } as unknown as AppConfig,
      () => new Date('2026-11-25T12:00:00.000Z'),
      { collection: async () => 'pipeline_deals_1' } as unknown as ReadModelCatalog,
      { position: () => position } as unknown as ProjectionProgress,
    );
  });
  afterEach(() => jest.restoreAllMocks());

  it('loads the documents once per position', async () => {
    expect((await analytics.churnRisk(10)).position).toBe(5);
    expect((await analytics.churnRisk(10)).position).toBe(5);
    expect(scans).toHaveBeenCalledTimes(1);
  });

  it('serves a read that asks for no newer position from a snapshot up to a second old', async () => {
    await analytics.churnRisk(10);
    position = 6;
    now += 900;
    expect((await analytics.churnRisk(10)).position).toBe(5);
    expect(scans).toHaveBeenCalledTimes(1);
    now += 200;
    expect((await analytics.churnRisk(10)).position).toBe(6);
    expect(scans).toHaveBeenCalledTimes(2);
  });

  it('reloads at once for a read whose minPosition the snapshot does not hold', async () => {
    await analytics.churnRisk(10);
    position = 6;
    expect((await analytics.churnRisk(10, 6)).position).toBe(6);
    expect(scans).toHaveBeenCalledTimes(2);
    // A minPosition the snapshot already holds needs nothing new.
    position = 7;
    expect((await analytics.churnRisk(10, 6)).position).toBe(6);
    expect(scans).toHaveBeenCalledTimes(2);
  });
});

describe('AnalyticsService pipeline figures', () => {
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

  async function given(current: boolean) {
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
        isCurrent: async () => current,
      } as unknown as ReadModelCatalog,
      { position: () => 3 } as unknown as ProjectionProgress,
    );
    return { analytics, scanned: () => scans.mock.calls.map(([collection]) => collection) };
  }

  it("reads the owners' tallies, not the deals, once the generation has them", async () => {
    const { analytics, scanned } = await given(true);
    // No tallies were written in this store: the figures are the tallies', not the deal's.
    expect((await analytics.pipeline()).won.count).toBe(0);
    expect(scanned()).toEqual(['pipeline_owner_tallies__g1']);
  });

  it('falls back to the deal documents while a generation without tallies is being rebuilt', async () => {
    const { analytics, scanned } = await given(false);
    expect((await analytics.pipeline()).won).toEqual({ count: 1, amount: { EUR: 1200 } });
    expect((await analytics.pipeline({ ownerId: 'rep-2' })).won.count).toBe(0);
    expect(scanned()).toEqual(['pipeline_deals__g1']);
  });
});
