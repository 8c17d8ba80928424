import { World } from '../testing/analytics-world';
import { computeRetention } from './retention.analytics';

describe('retention analytics', () => {
  it('follows each monthly cohort from its conversion month to now', async () => {
    const docs = await new World()
      .lead('a', '2026-01-01T00:00:00.000Z')
      .win('a', 10, '2026-01-10T00:00:00.000Z')
      .lead('b', '2026-01-01T00:00:00.000Z')
      .win('b', 10, '2026-01-20T00:00:00.000Z')
      .churn('b', '2026-02-15T00:00:00.000Z')
      .lead('c', '2026-02-01T00:00:00.000Z')
      .win('c', 10, '2026-02-05T00:00:00.000Z')
      .churn('c', '2026-03-03T00:00:00.000Z')
      .reactivate('c', '2026-04-02T00:00:00.000Z')
      .lead('d', '2026-02-01T00:00:00.000Z')
      .win('d', 10, '2026-02-06T00:00:00.000Z')
      .erase('d', '2026-04-10T00:00:00.000Z')
      .lead('never', '2026-01-01T00:00:00.000Z')
      .customers();
    const figures = computeRetention(docs, new Date('2026-04-15T00:00:00.000Z'));
    expect(figures.cohorts).toEqual([
      { cohort: '2026-01', size: 2, retention: [1, 0.5, 0.5, 0.5] },
      // d's erasure removes the person, not the fact that d is a customer since February.
      { cohort: '2026-02', size: 2, retention: [1, 0.5, 1] },
    ]);
    // Not customers now: b (churned) of 4 acquired.
    expect(figures.churnRate).toBe(0.25);
    expect(figures.monthly).toEqual([
      { month: '2026-01', activeAtStart: 0, acquired: 2, churned: 0, churnRate: 0 },
      { month: '2026-02', activeAtStart: 2, acquired: 2, churned: 1, churnRate: 0.25 },
      { month: '2026-03', activeAtStart: 3, acquired: 0, churned: 1, churnRate: 0.3333 },
      { month: '2026-04', activeAtStart: 2, acquired: 0, churned: 0, churnRate: 0 },
    ]);
  });

  it('is empty before anyone converted', async () => {
    const docs = await new World().lead('x', '2026-01-01T00:00:00.000Z').customers();
    expect(computeRetention(docs, new Date('2026-02-01T00:00:00.000Z'))).toEqual({
      cohorts: [],
      churnRate: 0,
      monthly: [],
    });
  });
});
