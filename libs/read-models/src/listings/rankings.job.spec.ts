import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import { customer360Projection } from '../projections/customer-360.projection';
import { historyOf } from '../testing/random-history';
import { RankingsJob } from './rankings.job';

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
});
