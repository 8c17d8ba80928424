import { World } from '../testing/analytics-world';
import {
  contactedClients,
  firstContactDaysAggregation,
  medianDaysToFirstContact,
} from './first-contact-days.aggregation';

describe('days from a lead to its first contact, per owner', () => {
  it('counts each client once, by the whole days to its earliest contact', async () => {
    const docs = await new World()
      .lead('fast', '2026-01-01T10:00:00.000Z', 'rep-1')
      .contact('fast', '2026-01-03T09:00:00.000Z')
      .contact('fast', '2026-01-02T11:00:00.000Z')
      .lead('never', '2026-01-01T00:00:00.000Z', 'rep-1')
      .lead('orphan', '2026-01-01T00:00:00.000Z')
      .contact('orphan', '2025-12-30T00:00:00.000Z')
      .customers();
    const byId = Object.fromEntries(docs.map((d) => [d.customerId, d]));
    expect(firstContactDaysAggregation.contribution(byId.fast!)).toEqual(
      new Map([['owner:rep-1', { 'days.1': 1 }]]),
    );
    expect(firstContactDaysAggregation.contribution(byId.never!)).toEqual(
      new Map([['owner:rep-1', { uncontacted: 1 }]]),
    );
    // A contact back-dated before the lead counts as day 0.
    expect(firstContactDaysAggregation.contribution(byId.orphan!)).toEqual(
      new Map([['no-owner', { 'days.0': 1 }]]),
    );
  });

  it('reads the median from the histogram, the mean of the middle two for an even count', () => {
    expect(medianDaysToFirstContact({})).toBeNull();
    expect(medianDaysToFirstContact({ 'days.3': 1, uncontacted: 4 })).toBe(3);
    expect(medianDaysToFirstContact({ 'days.1': 2, 'days.10': 1, 'days.4': 1 })).toBe(2.5);
    expect(medianDaysToFirstContact({ 'days.1': 1, 'days.2': 1, 'days.30': 1 })).toBe(2);
    expect(contactedClients({ 'days.1': 2, 'days.10': 1, uncontacted: 7 })).toBe(3);
  });
});
