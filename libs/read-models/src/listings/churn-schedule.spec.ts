import { churnRisk } from '../analytics/churn-risk.analytics';
import { emptyCustomer360 } from '../projections/customer-360.projection';
import { churnSchedule } from './churn-schedule';

const lead = (createdAt: string, fields: Partial<ReturnType<typeof emptyCustomer360>> = {}) => ({
  ...emptyCustomer360('c1'),
  status: 'lead' as const,
  createdAt,
  ...fields,
});

describe('when a churn score changes next', () => {
  it('a lead never contacted: 1 point once 94 whole days have passed (benchmark 91), to the ms', () => {
    // (93 / 91 − 1) × 20 rounds to 0 points; (94 / 91 − 1) × 20 rounds to 1.
    const doc = lead('2026-01-01T10:30:00.000Z');
    expect(churnSchedule(doc, new Date('2026-03-31T00:00:00.000Z'))).toEqual({
      score: 0,
      until: new Date('2026-04-01T00:00:00.000Z'),
    });
    const schedule = churnSchedule(doc, new Date('2026-04-04T12:00:00.000Z'));
    expect(schedule).toEqual({ score: 0, until: new Date('2026-04-05T10:30:00.000Z') });
    expect(churnRisk(doc, new Date(schedule.until.getTime() - 1)).score).toBe(0);
    expect(churnRisk(doc, schedule.until).score).toBe(1);
  });

  it('a loss stops counting 180 days after it, to the millisecond', () => {
    const doc = lead('2026-06-01T00:00:00.000Z', {
      contacts: {
        ...emptyCustomer360('c1').contacts,
        total: 1,
        firstContactAt: '2026-06-20T08:00:00.000Z',
        lastContactAt: '2026-06-20T08:00:00.000Z',
      },
      deals: {
        ...emptyCustomer360('c1').deals,
        lost: 1,
        recentLosses: ['2026-01-10T15:45:12.345Z'],
      },
    });
    expect(churnSchedule(doc, new Date('2026-07-09T00:00:00.000Z'))).toEqual({
      score: 5,
      until: new Date('2026-07-09T15:45:12.346Z'),
    });
  });

  it('a score that does not move within the look-ahead (a day) is looked at again then', () => {
    const doc = { ...lead('2026-01-01T00:00:00.000Z'), status: 'customer' as const };
    const at = new Date('2029-01-01T00:00:00.000Z');
    // Silence has reached its 40 points and no win for a year its 15: nothing moves any more.
    expect(churnSchedule(doc, at)).toEqual({
      score: 55,
      until: new Date('2029-01-02T00:00:00.000Z'),
    });
  });
});
