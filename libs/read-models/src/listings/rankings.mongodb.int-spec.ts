import fc from 'fast-check';
import {
  dropDatabase,
  scratchDatabaseName,
  testServers,
} from '../../../../test/integration/support/test-servers';
import { MongoReadStore } from '../adapters/mongodb.read-store';
import { rankChurnRisk } from '../analytics/churn-risk.analytics';
import { computeSegments, RFM_SEGMENTS } from '../analytics/segments.analytics';
import { DAY_MS } from '../analytics/time';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import { documentCollection } from '../engine/projection-target';
import {
  customer360Projection,
  type Customer360Document,
} from '../projections/customer-360.projection';
import { historyArbitrary, historyOf, type HistoryStep } from '../testing/random-history';
import { rankingCollections, RankingsJob } from './rankings.job';
import { rankChurnRiskFromRows, segmentMembers } from './rankings.queries';
import { segmentFiguresOf } from './rfm-figures';

// The rankings on MongoDB: rows written by the projection session, rescored and summed by the
// job, read back through index ranges (the MongoDB-wire test server), equal the reference.
describe('rankings on MongoDB', () => {
  const { mongoUrl } = testServers();
  let name: string;
  let store: MongoReadStore;

  beforeEach(async () => {
    name = scratchDatabaseName('rapport_rank');
    store = await MongoReadStore.connect(mongoUrl, name);
  });
  afterEach(async () => {
    await store.close();
    await dropDatabase(mongoUrl, name);
  });

  it('answers the churn ranking, the segments and their members as the reference does', async () => {
    // Of a few random histories, the one with the most clients who won deals in EUR (buyers
    // spread over several segments).
    const buyers = (h: HistoryStep[]) =>
      new Set(
        historyOf(h)
          .events.filter(
            (e) => e.type === 'DealWon' && (e.data as { currency: string }).currency === 'EUR',
          )
          .map((e) => (e.data as { customerId: string }).customerId),
      ).size;
    const steps = fc
      .sample(historyArbitrary(200), { seed: 14, numRuns: 40 })
      .reduce((best, h) => (buyers(h) > buyers(best) ? h : best));
    const { events, now } = historyOf(steps);
    const [target] = await liveTargets(store, [customer360Projection]);
    for (let next = 0; next < events.length; next += 25) {
      const session = new ProjectionSession(store, [target!], { clock: () => now });
      await session.apply(events.slice(next, next + 25));
      await session.flush();
    }
    const docs: Customer360Document[] = [];
    for await (const page of store.scan<Customer360Document>(documentCollection(target!)))
      docs.push(...page);
    const job = new RankingsJob(store);
    const later = new Date(now.getTime() + 3 * DAY_MS + 12_345);
    await job.rescore(target!, later);
    const figures = await job.computeFigures(target!, later);
    const collections = rankingCollections(target!.generation);

    expect(await rankChurnRiskFromRows(store, collections, later, 5)).toEqual(
      rankChurnRisk(docs, later).slice(0, 5),
    );
    const reference = computeSegments(docs, later, { currency: 'EUR' });
    // A history with buyers in several segments, and clients ranked.
    expect(figures.purposes['']?.currencies.EUR?.buyers).toBeGreaterThan(1);
    expect(rankChurnRisk(docs, later).length).toBeGreaterThan(1);
    expect(segmentFiguresOf(figures, 'EUR')).toEqual({
      segments: reference.segments,
      paretoTopShare: reference.paretoTopShare,
      paretoCurve: reference.paretoCurve,
    });
    for (const segment of RFM_SEGMENTS) {
      const listed: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await segmentMembers(store, collections.rows, figures, {
          currency: 'EUR',
          segment,
          ...(cursor !== undefined && { cursor }),
          limit: 2,
        });
        listed.push(...page.customerIds);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(listed.sort()).toEqual(
        [...reference.customers.values()]
          .filter((c) => c.segment === segment)
          .map((c) => c.customerId)
          .sort(),
      );
    }
  });
});
