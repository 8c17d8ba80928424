import type { EventEnvelope } from '@rapport/domain';
import fc from 'fast-check';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { churnRisk, rankChurnRisk } from '../analytics/churn-risk.analytics';
import { computeSegments, RFM_SEGMENTS } from '../analytics/segments.analytics';
import { DAY_MS } from '../analytics/time';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import { documentCollection, type ProjectionTarget } from '../engine/projection-target';
import {
  customer360Projection,
  type Customer360Document,
} from '../projections/customer-360.projection';
import { historyArbitrary, historyOf } from '../testing/random-history';
import { CHURN_LOOKAHEAD_DAYS } from './churn-schedule';
import type { CustomerRankingRow } from './customer-rankings.listing';
import { rankingCollections, RankingsJob } from './rankings.job';
import { churnRiskPage, rankChurnRiskFromRows, segmentMembers } from './rankings.queries';
import { customerRfmOf, segmentFiguresOf, type RfmFiguresDocument } from './rfm-figures';

const CURRENCIES = ['EUR', 'USD', 'JPY'] as const;
const PURPOSES = [undefined, 'marketing'] as const;

/** A time after the history, at any millisecond: scores and recency move within days. */
const laterArbitrary = fc.integer({ min: 0, max: 20 * DAY_MS });

async function documentsOf(store: InMemoryReadStore, target: ProjectionTarget) {
  const docs: Customer360Document[] = [];
  for await (const page of store.scan<Customer360Document>(documentCollection(target)))
    docs.push(...page);
  return docs;
}

/** The log projected in batches of `batch` events, rows derived at `projectedAt`. */
async function project(events: EventEnvelope[], batch: number, projectedAt: Date) {
  const store = new InMemoryReadStore();
  const [target] = await liveTargets(store, [customer360Projection]);
  for (let next = 0; next < events.length; next += batch) {
    const session = new ProjectionSession(store, [target!], { clock: () => projectedAt });
    await session.apply(events.slice(next, next + batch));
    await session.flush();
  }
  return { store, target: target! };
}

/** Every member of a segment, page by page. */
async function membersOf(
  store: InMemoryReadStore,
  figures: RfmFiguresDocument,
  segment: (typeof RFM_SEGMENTS)[number],
  limit: number,
) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await segmentMembers(store, rankingCollections(1).rows, figures, {
      currency: 'EUR',
      segment,
      ...(cursor !== undefined && { cursor }),
      limit,
    });
    ids.push(...page.customerIds);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return ids;
}

describe('rankings equal the reference functions computed from every document', () => {
  it('segments, Pareto share, every client’s RFM and the segment lists, at the job’s run', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(120),
        fc.integer({ min: 1, max: 9 }),
        laterArbitrary,
        fc.integer({ min: 1, max: 4 }),
        async (steps, batch, later, limit) => {
          const { events, now } = historyOf(steps);
          const { store, target } = await project(events, batch, now);
          const asOf = new Date(now.getTime() + later);
          const figures = await new RankingsJob(store).computeFigures(target, asOf);
          const docs = await documentsOf(store, target);
          for (const currency of CURRENCIES) {
            for (const consentPurpose of PURPOSES) {
              const reference = computeSegments(docs, asOf, {
                currency,
                ...(consentPurpose && { consentPurpose }),
              });
              expect(segmentFiguresOf(figures, currency, consentPurpose)).toEqual({
                segments: reference.segments,
                paretoTopShare: reference.paretoTopShare,
                paretoCurve: reference.paretoCurve,
              });
            }
          }
          const reference = computeSegments(docs, asOf, { currency: 'EUR' });
          for (const doc of docs) {
            const client = {
              customerId: doc.customerId,
              erased: doc.status === 'erased',
              wins: doc.deals.wonByCurrency,
            };
            expect(customerRfmOf(figures, client, 'EUR')).toEqual(
              reference.customers.get(doc.customerId),
            );
          }
          for (const segment of RFM_SEGMENTS) {
            const expected = [...reference.customers.values()]
              .filter((c) => c.segment === segment)
              .map((c) => c.customerId)
              .sort();
            const listed = await membersOf(store, figures, segment, limit);
            expect([...listed].sort()).toEqual(expected);
            expect(new Set(listed).size).toBe(listed.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the churn ranking, with rows rescored by the job or found stale by the query', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(120),
        fc.integer({ min: 1, max: 9 }),
        laterArbitrary,
        laterArbitrary,
        fc.integer({ min: 1, max: 8 }),
        async (steps, batch, rescoredLater, askedLater, limit) => {
          const { events, now } = historyOf(steps);
          const { store, target } = await project(events, batch, now);
          const collections = rankingCollections(target.generation);
          const rescoredAt = new Date(now.getTime() + rescoredLater);
          await new RankingsJob(store).rescore(target, rescoredAt);
          const docs = await documentsOf(store, target);
          // At the job's time, and later when rows are due again that the job has not seen.
          for (const at of [rescoredAt, new Date(rescoredAt.getTime() + askedLater), now]) {
            expect(await rankChurnRiskFromRows(store, collections, at, limit)).toEqual(
              rankChurnRisk(docs, at).slice(0, limit),
            );
            // Page after page (limit each), the whole ranking once: nothing skipped or repeated.
            const paged = [];
            let after: string | undefined;
            for (let pages = 0; pages < 200; pages++) {
              const page = await churnRiskPage(store, collections, at, limit, after);
              paged.push(...page.customers);
              if (page.nextAfter === null) break;
              after = page.nextAfter;
            }
            expect(paged).toEqual(rankChurnRisk(docs, at));
          }
          // A stored score holds, for every instant from scoredAt until rescoreAt.
          const rows = new Map<string, CustomerRankingRow>();
          for await (const page of store.scan<CustomerRankingRow>(collections.rows))
            for (const row of page) rows.set(row.id, row);
          for (const doc of docs) {
            const row = rows.get(doc.id)!;
            if (row.rescoreAt === null) {
              expect(['churned', 'erased']).toContain(doc.status);
              continue;
            }
            const from = Date.parse(row.scoredAt!);
            const until = Date.parse(row.rescoreAt);
            // (the offset rounded down before it is added: a sum near `until` could round up to it)
            const between = from + Math.floor(((until - from) * askedLater) / (20 * DAY_MS));
            for (const at of [from, until - 1, Math.min(between, until - 1)])
              expect(row.churnScore).toBe(churnRisk(doc, new Date(at)).score);
            // …and changes right then, unless the look-ahead ended first.
            if (until - from < CHURN_LOOKAHEAD_DAYS * DAY_MS)
              expect(churnRisk(doc, new Date(until)).score).not.toBe(row.churnScore);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('an erasure leaves revenue, the Pareto share and the Pareto curve as they were', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(100), fc.nat({ max: 7 }), async (steps, client) => {
        const { events, now } = historyOf(steps);
        const { events: erased } = historyOf([
          ...steps,
          { client, kind: 'erase', amount: 1, currency: 'EUR', owner: 0, days: 0 },
        ]);
        const before = await project(events, 7, now);
        const after = await project(erased, 7, now);
        const figuresBefore = await new RankingsJob(before.store).computeFigures(
          before.target,
          now,
        );
        const figuresAfter = await new RankingsJob(after.store).computeFigures(after.target, now);
        for (const currency of CURRENCIES) {
          const after = segmentFiguresOf(figuresAfter, currency);
          const before = segmentFiguresOf(figuresBefore, currency);
          expect(after.paretoTopShare).toBe(before.paretoTopShare);
          expect(after.paretoCurve).toEqual(before.paretoCurve);
        }
        const revenue = (docs: Customer360Document[]) =>
          docs.reduce((sum, d) => sum + (d.deals.wonValueMinor.EUR ?? 0), 0);
        expect(revenue(await documentsOf(after.store, after.target))).toBe(
          revenue(await documentsOf(before.store, before.target)),
        );
      }),
      { numRuns: 100 },
    );
  });
});
