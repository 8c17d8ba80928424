import type { EventEnvelope } from '@rapport/domain';
import fc from 'fast-check';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { computePipeline, type PipelineOptions } from '../analytics/pipeline.analytics';
import { computeRetention } from '../analytics/retention.analytics';
import { readTallies } from '../engine/aggregate-reader';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import {
  aggregateCollection,
  documentCollection,
  type ProjectionTarget,
} from '../engine/projection-target';
import {
  customer360Projection,
  type Customer360Document,
} from '../projections/customer-360.projection';
import {
  salesPipelineProjection,
  type PipelineDealDocument,
} from '../projections/sales-pipeline.projection';
import { activitiesProjection, type ActivityDocument } from '../projections/activities.projection';
import type { CommitBatch, StoredDocument } from '../read-store.port';
import { historyArbitrary, historyOf } from '../testing/random-history';
import {
  pipelineFromTallies,
  pipelineOwnerKey,
  pipelineOwnersAggregation,
} from './pipeline-owners.aggregation';
import { retentionCohortsAggregation, retentionFromTallies } from './retention-cohorts.aggregation';
import { activityOwnerKey, activityOwnersAggregation } from './activity-owners.aggregation';
import { firstContactDaysAggregation } from './first-contact-days.aggregation';
import { addTally, type Tally } from '../aggregation';

// Binary fractions: amount × probability is exact, so the weighted sums of the reference
// (per deal, then summed) and of the tallies (summed, then weighted) are equal to the bit.
const options: PipelineOptions = {
  stageProbabilities: { qualification: 0.25, proposal: 0.5, negotiation: 0.75 },
};

/** A store whose n-th commit of documents fails after the commits before it: a crash. */
class CrashingStore extends InMemoryReadStore {
  crashAt = -1;
  private commits = 0;
  override async commit(batch: CommitBatch): Promise<void> {
    if (batch.writes.length > 0 && this.commits++ === this.crashAt) throw new Error(CRASH);
    return super.commit(batch);
  }
}

interface Delivery {
  /** Events per batch, in order. */
  batchSizes: number[];
  /** Index of the commit that fails (then the projector restarts from its checkpoint). */
  crashAt: number;
}

const CRASH = 'crash between commits';
const targetsIn = (store: InMemoryReadStore) =>
  liveTargets(store, [customer360Projection, salesPipelineProjection, activitiesProjection]);

/** Tallies by key computed from every document (the reference), keys with nothing left out. */
function talliesOf<T extends object>(
  docs: readonly T[],
  contribution: (doc: T) => ReadonlyMap<string, Tally>,
): Map<string, Tally> {
  const sums = new Map<string, Tally>();
  for (const doc of docs)
    for (const [key, tally] of contribution(doc))
      sums.set(key, addTally(sums.get(key) ?? {}, tally));
  return nonEmpty(sums);
}

const nonEmpty = (tallies: Map<string, Tally>) =>
  new Map([...tallies].filter(([, sums]) => Object.keys(sums).length > 0).sort());

async function all<T extends StoredDocument>(store: InMemoryReadStore, collection: string) {
  const docs: T[] = [];
  for await (const page of store.scan<T>(collection)) docs.push(...page);
  return docs;
}

/** The log projected as the live projector does it: batches, one crash, a restart. */
async function projectInOrder(events: EventEnvelope[], delivery: Delivery) {
  const store = new CrashingStore();
  const targets = await targetsIn(store);
  store.crashAt = delivery.crashAt;
  let next = 0;
  let batch = 0;
  let restarted = false;
  while (next < events.length) {
    // After a restart the first batch reaches past the one in flight at the crash, as a
    // catch-up does: the tallies must take the new events and only those.
    const size = restarted
      ? events.length
      : delivery.batchSizes[batch++ % delivery.batchSizes.length]!;
    restarted = false;
    const session = new ProjectionSession(store, targets);
    try {
      await session.apply(events.slice(next, next + size));
      await session.flush();
      next += size;
    } catch (error) {
      if ((error as Error).message !== CRASH) throw error;
      // Restart: the checkpoints as stored; the batch in flight comes again.
      const states = await store.projectionStates();
      for (const target of targets)
        target.position =
          states.find((s) => s.projection === target.projection.name)?.position ?? 0;
      next = Math.min(...targets.map((t) => t.position));
      restarted = true;
    }
  }
  return { store, targets };
}

/** The log projected as the Kafka projector does it: per partition, partitions interleaved. */
async function projectPartitioned(events: EventEnvelope[], partitions: number, order: number[]) {
  const store = new InMemoryReadStore();
  const targets = await targetsIn(store);
  const queues = Array.from({ length: partitions }, () => [] as EventEnvelope[]);
  for (const event of events)
    queues[Number(event.metadata.customerId!.slice(1)) % partitions]!.push(event);
  let turn = 0;
  while (queues.some((q) => q.length > 0)) {
    // The order picks among the partitions that still have messages.
    const waiting = queues.flatMap((q, i) => (q.length > 0 ? [i] : []));
    const partition = waiting[order[turn++ % order.length]! % waiting.length]!;
    const batch = queues[partition]!.splice(0, 1 + (turn % 3));
    if (batch.length === 0) continue;
    const session = new ProjectionSession(store, targets, {
      partitioned: true,
      shard: `p${partition}`,
    });
    await session.apply(batch);
    await session.flush();
    // A redelivery of the same batch changes nothing.
    if (turn % 4 === 0) {
      const again = new ProjectionSession(store, targets, {
        partitioned: true,
        shard: `p${partition}`,
      });
      await again.apply(batch);
      await again.flush();
    }
  }
  return { store, targets };
}

/**
 * The log projected as a rebuild does it: applied in memory batch after batch, committed every
 * few batches, with a cache small enough to be emptied (documents then come from the store).
 */
async function projectAsRebuild(events: EventEnvelope[], batch: number) {
  const store = new InMemoryReadStore();
  const targets = await targetsIn(store);
  const session = new ProjectionSession(store, targets, { retain: true, maxCached: 5 });
  for (let next = 0, applied = 0; next < events.length; next += batch) {
    await session.apply(events.slice(next, next + batch));
    if (++applied % 3 === 0 || session.cacheFull) await session.flush();
  }
  await session.flush();
  return { store, targets };
}

async function figuresOf(store: InMemoryReadStore, targets: ProjectionTarget[], now: Date) {
  const [customers, pipeline, activities] = targets;
  const pipelineTallies = await readTallies(
    store,
    aggregateCollection(pipeline!, pipelineOwnersAggregation),
  );
  const cohortTallies = await readTallies(
    store,
    aggregateCollection(customers!, retentionCohortsAggregation),
  );
  return {
    pipeline: pipelineFromTallies(pipelineTallies, options),
    rep1: pipelineFromTallies(
      await readTallies(store, aggregateCollection(pipeline!, pipelineOwnersAggregation), [
        pipelineOwnerKey('rep-1'),
      ]),
      options,
    ),
    retention: retentionFromTallies(cohortTallies, now),
    activityOwners: nonEmpty(
      await readTallies(store, aggregateCollection(activities!, activityOwnersAggregation)),
    ),
    rep1Activities: await readTallies(
      store,
      aggregateCollection(activities!, activityOwnersAggregation),
      [activityOwnerKey('rep-1')],
    ),
    firstContactDays: nonEmpty(
      await readTallies(store, aggregateCollection(customers!, firstContactDaysAggregation)),
    ),
  };
}

async function referenceOf(store: InMemoryReadStore, targets: ProjectionTarget[], now: Date) {
  const [customers, pipeline, activities] = targets;
  const customerDocs = await all<Customer360Document>(store, documentCollection(customers!));
  const activityTallies = talliesOf(
    await all<ActivityDocument>(store, documentCollection(activities!)),
    (doc) => activityOwnersAggregation.contribution(doc),
  );
  const deals = await all<PipelineDealDocument>(store, documentCollection(pipeline!));
  return {
    pipeline: computePipeline(deals, options),
    rep1: computePipeline(
      deals.filter((d) => d.ownerId === 'rep-1'),
      options,
    ),
    retention: computeRetention(customerDocs, now),
    activityOwners: activityTallies,
    rep1Activities: new Map([
      [activityOwnerKey('rep-1'), activityTallies.get(activityOwnerKey('rep-1')) ?? {}],
    ]),
    firstContactDays: talliesOf(customerDocs, (doc) =>
      firstContactDaysAggregation.contribution(doc),
    ),
  };
}

const deliveryArbitrary: fc.Arbitrary<Delivery> = fc.record({
  batchSizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 5 }),
  crashAt: fc.integer({ min: -1, max: 30 }),
});

describe('maintained figures equal the figures computed from every document', () => {
  it('in log order, in any batches, across a crash between the tallies and the documents', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(120), deliveryArbitrary, async (steps, delivery) => {
        const { events, now } = historyOf(steps);
        const { store, targets } = await projectInOrder(events, delivery);
        expect(await figuresOf(store, targets, now)).toEqual(
          await referenceOf(store, targets, now),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('per partition, partitions interleaved and batches redelivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(120),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 8 }),
        async (steps, partitions, order) => {
          const { events, now } = historyOf(steps);
          const { store, targets } = await projectPartitioned(events, partitions, order);
          expect(await figuresOf(store, targets, now)).toEqual(
            await referenceOf(store, targets, now),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an erasure changes no business figure; its client’s open activities count as cancelled', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(100), fc.nat({ max: 7 }), async (steps, client) => {
        // Erasing a client never seen would create it (a first step makes the lead).
        fc.pre(steps.some((step) => step.client === client));
        const { events, now } = historyOf(steps);
        const { events: erased } = historyOf([
          ...steps,
          { client, kind: 'erase', amount: 1, currency: 'EUR', owner: 0, days: 0 },
        ]);
        const before = await projectInOrder(events, { batchSizes: [7], crashAt: -1 });
        const after = await projectInOrder(erased, { batchSizes: [7], crashAt: -1 });
        const { activityOwners, rep1Activities, ...business } = await figuresOf(
          after.store,
          after.targets,
          now,
        );
        const {
          activityOwners: _owners,
          rep1Activities: _rep1,
          ...businessBefore
        } = await figuresOf(before.store, before.targets, now);
        expect(business).toEqual(businessBefore);
        // The planned work of the erased client is off every agenda: cancelled, per owner.
        const plannedBefore = await all<ActivityDocument>(
          before.store,
          documentCollection(before.targets[2]!),
        );
        const cancelled = plannedBefore.map((doc) =>
          doc.customerId === `c${client}` && doc.status === 'open'
            ? { ...doc, status: 'cancelled' as const }
            : doc,
        );
        const expected = talliesOf(cancelled, (doc) => activityOwnersAggregation.contribution(doc));
        expect(activityOwners).toEqual(expected);
        expect(rep1Activities).toEqual(
          new Map([[activityOwnerKey('rep-1'), expected.get(activityOwnerKey('rep-1')) ?? {}]]),
        );
        const plannedAfter = await all<ActivityDocument>(
          after.store,
          documentCollection(after.targets[2]!),
        );
        expect(
          plannedAfter.filter((d) => d.customerId === `c${client}` && d.status === 'open'),
        ).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('projects the same documents live, per partition and as a rebuild (erasures among activities)', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(120),
        deliveryArbitrary,
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        async (steps, delivery, partitions, order, rebuildBatch) => {
          const { events } = historyOf(steps);
          const live = await projectInOrder(events, delivery);
          const partitioned = await projectPartitioned(events, partitions, order);
          const rebuilt = await projectAsRebuild(events, rebuildBatch);
          const documents = async (projected: {
            store: InMemoryReadStore;
            targets: ProjectionTarget[];
          }) =>
            Promise.all(
              projected.targets.map((target) =>
                all<StoredDocument>(projected.store, documentCollection(target)),
              ),
            );
          const expected = await documents(live);
          expect(await documents(partitioned)).toEqual(expected);
          expect(await documents(rebuilt)).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
