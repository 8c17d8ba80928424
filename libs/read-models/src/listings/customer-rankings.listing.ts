import type { Listing } from '../listing';
import type { CurrencyWins, Customer360Document } from '../projections/customer-360.document';
import { churnSchedule } from './churn-schedule';

/**
 * The row of one client in the rankings: what the churn ranking, the RFM figures job and the
 * segment lists need, with sort keys that make each list a range of one index.
 */
export interface CustomerRankingRow {
  id: string;
  position: number;
  customerId: string;
  status: Customer360Document['status'];
  ownerId: string | null;
  /** Churn-risk score at `scoredAt`, unchanged until `rescoreAt`; null when not ranked. */
  churnScore: number | null;
  scoredAt: string | null;
  rescoreAt: string | null;
  /** `<100 − score, 3 digits>|<customerId>`: ascending = highest risk first, then id. */
  rankKey: string | null;
  /** The RFM facts: eligibility by consent and the wins per currency. */
  erased: boolean;
  granted: string[];
  wins: Record<string, CurrencyWins>;
  /**
   * A buyer in the default currency (not erased): `<frequency, 6 digits>|<lastWonAt>|<id>`,
   * so that a segment (a range of frequencies × a range of last-win times) is a few ranges.
   */
  segmentKey: string | null;
  /** Not erased and no win in the default currency: the id (the prospects segment). */
  prospectKey: string | null;
  /** The document's position, 16 digits: which rows changed since a position (the job). */
  changeKey: string;
}

export const changeKeyOf = (position: number) => String(position).padStart(16, '0');

export const FREQUENCY_DIGITS = 6;
export const frequencyPrefix = (frequency: number) =>
  String(Math.min(frequency, 10 ** FREQUENCY_DIGITS - 1)).padStart(FREQUENCY_DIGITS, '0');
export const rankKey = (score: number, customerId: string) =>
  `${String(100 - score).padStart(3, '0')}|${customerId}`;

/** Per client: the churn-risk ranking and the RFM segments' members (customer-360 rows). */
export const customerRankingsListing: Listing<Customer360Document> = {
  name: 'customer-rankings',
  collection: 'customer_rankings',
  indexes: ['rankKey', 'scoredAt', 'rescoreAt', 'segmentKey', 'prospectKey', 'changeKey'],
  companions: ['rfm_figures'],
  volatile: ['scoredAt', 'rescoreAt'],
  row(doc, { now, defaultCurrency }): Omit<CustomerRankingRow, 'id' | 'position'> {
    const ranked = doc.status === 'lead' || doc.status === 'customer';
    const schedule = ranked ? churnSchedule(doc, now) : undefined;
    const erased = doc.status === 'erased';
    const own = doc.deals.wonByCurrency[defaultCurrency];
    const buyer = !erased && own !== undefined && own.count > 0;
    return {
      customerId: doc.customerId,
      status: doc.status,
      ownerId: doc.ownerId,
      churnScore: schedule?.score ?? null,
      scoredAt: schedule ? now.toISOString() : null,
      rescoreAt: schedule ? schedule.until.toISOString() : null,
      rankKey: schedule ? rankKey(schedule.score, doc.customerId) : null,
      erased,
      granted: Object.keys(doc.consents)
        .filter((purpose) => doc.consents[purpose] === true)
        .sort(),
      wins: doc.deals.wonByCurrency,
      segmentKey: buyer ? `${frequencyPrefix(own.count)}|${own.lastWonAt}|${doc.customerId}` : null,
      prospectKey: !erased && !buyer ? doc.customerId : null,
      changeKey: changeKeyOf(doc.position),
    };
  },
};
