import { InMemoryReadStore } from '@rapport/read-models';
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
