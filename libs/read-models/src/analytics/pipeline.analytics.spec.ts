import { computePipeline } from './pipeline.analytics';
import { World } from '../testing/analytics-world';

const probabilities = { qualification: 0.1, proposal: 0.4, negotiation: 0.7 };

describe('pipeline analytics', () => {
  it('sums open deals per stage, weights them, and measures wins and cycle time', async () => {
    const world = new World()
      .lead('a', '2026-01-01T00:00:00.000Z', 'rep-1')
      .lead('b', '2026-01-01T00:00:00.000Z', 'rep-2')
      .open('a', 1000, 'qualification', '2026-01-02T00:00:00.000Z', 'EUR', 'rep-1')
      .open('a', 0.3, 'qualification', '2026-01-02T00:00:00.000Z', 'EUR', 'rep-1')
      .open('b', 500, 'negotiation', '2026-01-03T00:00:00.000Z', 'USD', 'rep-2')
      .open('b', 200, 'proposal', '2026-01-03T00:00:00.000Z', 'EUR', 'rep-2')
      .win('a', 300, '2026-01-21T00:00:00.000Z', 'EUR', '2026-01-01T00:00:00.000Z', 'rep-1')
      .win('b', 100, '2026-01-11T00:00:00.000Z', 'EUR', '2026-01-01T00:00:00.000Z', 'rep-2')
      .lose('b', 50, '2026-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z', 'rep-2');
    const figures = computePipeline(await world.pipelineDeals(), {
      stageProbabilities: probabilities,
    });
    expect(figures.stages).toEqual([
      {
        stage: 'qualification',
        count: 2,
        amount: { EUR: 1000.3 },
        weightedAmount: { EUR: 100.03 },
      },
      { stage: 'proposal', count: 1, amount: { EUR: 200 }, weightedAmount: { EUR: 80 } },
      { stage: 'negotiation', count: 1, amount: { USD: 500 }, weightedAmount: { USD: 350 } },
    ]);
    expect(figures.won).toEqual({ count: 2, amount: { EUR: 400 } });
    expect(figures.lost).toEqual({ count: 1, amount: { EUR: 50 } });
    expect(figures.winRate).toBe(0.6667);
    expect(figures.averageCycleDays).toBe(15);
    expect(figures.owners).toEqual([
      {
        ownerId: 'rep-1',
        open: 2,
        amount: { EUR: 1000.3 },
        weightedAmount: { EUR: 100.03 },
        won: 1,
        lost: 0,
        winRate: 1,
        averageCycleDays: 20,
      },
      {
        ownerId: 'rep-2',
        open: 2,
        amount: { EUR: 200, USD: 500 },
        weightedAmount: { EUR: 80, USD: 350 },
        won: 1,
        lost: 1,
        winRate: 0.5,
        averageCycleDays: 10,
      },
    ]);
  });

  it('reports no rates before any deal closed', () => {
    expect(computePipeline([], { stageProbabilities: probabilities })).toMatchObject({
      winRate: null,
      averageCycleDays: null,
    });
  });
});
