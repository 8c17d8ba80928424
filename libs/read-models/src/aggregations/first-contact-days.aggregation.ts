import { count, type Aggregation, type Tally } from '../aggregation';
import { daysBetween } from '../analytics/time';
import type { Customer360Document } from '../projections/customer-360.document';
import { activityOwnerKey } from './activity-owners.aggregation';

const DAYS_PREFIX = 'days.';

/**
 * Per client owner, a histogram of the whole days from a lead's creation to its first contact
 * (`days.N` → clients), and the clients not contacted yet (`uncontacted`): the median is read
 * from the histogram, whose size is the number of distinct day counts, not of clients.
 * Keyed like the activity owners' tallies, so both read per owner with the same keys.
 */
export const firstContactDaysAggregation: Aggregation<Customer360Document> = {
  name: 'first-contact-days',
  collection: 'first_contact_day_tallies',
  contribution(doc) {
    if (doc.createdAt === null) return new Map();
    const tally: Tally = {};
    const first = doc.contacts.firstContactAt;
    // A contact back-dated before the lead was recorded counts as day 0.
    if (first === null) count(tally, 'uncontacted');
    else
      count(tally, `${DAYS_PREFIX}${Math.max(0, Math.floor(daysBetween(doc.createdAt, first)))}`);
    return new Map([[activityOwnerKey(doc.ownerId), tally]]);
  },
};

/** The median of a days histogram (mean of the two middle values for an even count). */
export function medianDaysToFirstContact(tally: Tally): number | null {
  const histogram = Object.entries(tally)
    .filter(([name, clients]) => name.startsWith(DAYS_PREFIX) && clients > 0)
    .map(([name, clients]) => [Number(name.slice(DAYS_PREFIX.length)), clients] as const)
    .sort(([a], [b]) => a - b);
  const total = histogram.reduce((sum, [, clients]) => sum + clients, 0);
  if (total === 0) return null;
  const valueAt = (rank: number) => {
    let seen = 0;
    for (const [days, clients] of histogram) {
      seen += clients;
      if (rank < seen) return days;
    }
    return histogram[histogram.length - 1]![0];
  };
  return (valueAt(Math.floor((total - 1) / 2)) + valueAt(Math.floor(total / 2))) / 2;
}

/** Clients contacted at least once, from the histogram. */
export function contactedClients(tally: Tally): number {
  return Object.entries(tally)
    .filter(([name]) => name.startsWith(DAYS_PREFIX))
    .reduce((sum, [, clients]) => sum + clients, 0);
}
