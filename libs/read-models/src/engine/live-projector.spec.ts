import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import {
  pipelineFromTallies,
  pipelineOwnersAggregation,
} from '../aggregations/pipeline-owners.aggregation';
import { computePipeline } from '../analytics/pipeline.analytics';
import {
  salesPipelineProjection,
  type PipelineDealDocument,
} from '../projections/sales-pipeline.projection';
import { historyOf, type HistoryStep } from '../testing/random-history';
import { seededEventStore } from '../testing/seeded-event-store';
import { readTallies } from './aggregate-reader';
import { LiveProjector } from './live-projector';
import type { RebuildStatus } from './projection-rebuild';
import { liveTargets, ProjectionRunner } from './projection-runner';
import { aggregateCollection, documentCollection } from './projection-target';

const step = (client: number, kind: HistoryStep['kind'], amount = 100): HistoryStep => ({
  client,
  kind,
  amount,
  currency: 'EUR',
  owner: client % 3,
  days: 3,
});

const options = { stageProbabilities: { qualification: 0.1, proposal: 0.4, negotiation: 0.7 } };

describe('live projector', () => {
  it('rebuilds a projection whose definition is newer than its live generation, and swaps it in', async () => {
    // Given a log, projected by the previous definition (no tallies)
    const { events } = historyOf(
      [0, 1, 2, 3].flatMap((c) => [
        step(c, 'contact'),
        step(c, 'open', 100 * (c + 1)),
        step(c, 'win'),
      ]),
    );
    const source = await seededEventStore(events);
    const store = new InMemoryReadStore();
    const previous = { ...salesPipelineProjection, version: 1, aggregations: [] };
    const old = await liveTargets(store, [previous]);
    await new ProjectionRunner(source, store, old, { until: events.length }).run();

    // When the projector starts with the current definition
    const controller = new AbortController();
    let swapped!: () => void;
    const done = new Promise<void>((resolve) => (swapped = resolve));
    const projector = new LiveProjector(source, store, [salesPipelineProjection], {
      onRebuild: (status: RebuildStatus) => {
        if (status.status === 'swapped') swapped();
      },
    });
    const running = projector.run(controller.signal);
    await done;
    controller.abort();
    await running;

    // Then the new generation is active, and its tallies give the documents' figures
    const active = (await store.projectionStates()).find((s) => s.active)!;
    expect(active).toMatchObject({ generation: 2, version: salesPipelineProjection.version });
    const target = { projection: salesPipelineProjection, generation: 2 };
    const deals: PipelineDealDocument[] = [];
    for await (const page of store.scan<PipelineDealDocument>(documentCollection(target)))
      deals.push(...page);
    expect(deals).toHaveLength(4);
    const tallies = await readTallies(
      store,
      aggregateCollection(target, pipelineOwnersAggregation),
    );
    expect(pipelineFromTallies(tallies, options)).toEqual(computePipeline(deals, options));
  });
});
