import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import { customer360Projection } from '../projections/customer-360.projection';
import { historyOf } from '../testing/random-history';
import { keepRankingsCurrent, rankingCollections, RankingsJob } from './rankings.job';
import { RFM_FIGURES_FORMAT, type RfmFiguresDocument } from './rfm-figures';

describe('the rankings job', () => {
  it('moves the figures past events that change no client, and computes them again after one that does', async () => {
    const { events, now } = historyOf([
      { client: 0, kind: 'contact', amount: 1, currency: 'EUR', owner: 0, days: 0 },
      { client: 0, kind: 'open', amount: 500, currency: 'EUR', owner: 0, days: 1 },
      { client: 0, kind: 'win', amount: 500, currency: 'EUR', owner: 0, days: 1 },
      { client: 1, kind: 'contact', amount: 1, currency: 'EUR', owner: 0, days: 1 },
    ]);
    const store = new InMemoryReadStore();
    const [target] = await liveTargets(store, [customer360Projection]);
    const project = async (batch: typeof events) => {
      const session = new ProjectionSession(store, [target!], { clock: () => now });
      await session.apply(batch);
      await session.flush();
    };
    await project(events.slice(0, -1));
    const job = new RankingsJob(store);
    const first = await job.computeFigures(target!, now);
    expect(first.position).toBe(target!.position);

    // The checkpoint moved without any client changing (e.g. audit records of reads).
    const moved = { ...target!, position: target!.position + 5 };
    expect(await job.carryForward(moved, first)).toBe(true);
    expect(await job.figures(target!.generation)).toEqual({ ...first, position: moved.position });

    // A new client after those events: the figures must be computed again.
    const last = events[events.length - 1]!;
    await project([{ ...last, position: moved.position + 1 }]);
    const carried = (await job.figures(target!.generation))!;
    expect(await job.carryForward({ ...target!, position: moved.position + 1 }, carried)).toBe(
      false,
    );
    expect((await job.computeFigures(target!, now)).purposes['']?.eligible).toBe(2);
  });

  it('computes again, at once, figures an older version wrote without the Pareto curve', async () => {
    const { events, now } = historyOf([
      { client: 0, kind: 'contact', amount: 1, currency: 'EUR', owner: 0, days: 0 },
      { client: 0, kind: 'open', amount: 500, currency: 'EUR', owner: 0, days: 1 },
      { client: 0, kind: 'win', amount: 500, currency: 'EUR', owner: 0, days: 1 },
    ]);
    const store = new InMemoryReadStore();
    const [target] = await liveTargets(store, [customer360Projection]);
    const session = new ProjectionSession(store, [target!], { clock: () => now });
    await session.apply(events);
    await session.flush();
    const state = (await store.projectionStates()).find((s) => s.projection === 'customer-360')!;
    const current = await new RankingsJob(store).computeFigures(state, now);
    // What the previous version stored: no format, no curve; as recent and at the head.
    const { format: _format, ...older } = current;
    const eur = older.purposes['']!.currencies.EUR!;
    const { paretoCurve: _curve, ...withoutCurve } = eur;
    const figures = rankingCollections(state.generation).figures;
    const document = {
      ...older,
      purposes: { '': { ...older.purposes['']!, currencies: { EUR: withoutCurve } } },
    };
    await store.commit({
      writes: [{ collection: figures, document, refresh: true }],
      checkpoints: [],
    });

    const stop = new AbortController();
    const running = keepRankingsCurrent(store, stop.signal, { clock: () => now });
    let stored: RfmFiguresDocument | undefined;
    for (let tries = 0; tries < 200 && stored?.format !== RFM_FIGURES_FORMAT; tries++) {
      await new Promise((resolve) => setImmediate(resolve));
      stored = await store.get<RfmFiguresDocument>(figures, 'rfm');
    }
    stop.abort();
    await running;
    expect(stored?.purposes['']?.currencies.EUR?.paretoCurve).toEqual(eur.paretoCurve);
    expect(eur.paretoCurve).toHaveLength(20);
  });
});
