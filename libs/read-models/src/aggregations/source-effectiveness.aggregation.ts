import { count, type Aggregation, type Tally } from '../aggregation';
import { daysBetween } from '../analytics/time';
import type { CampaignAttributionDocument } from '../projections/campaign.document';
import { firstTouch } from '../projections/campaign-touches';

const SOURCE_PREFIX = 'source:';

/** Aggregate key of a lead source and its first-touch campaign ('' for none). */
export const sourceKey = (source: string, campaignId: string | null) =>
  `${SOURCE_PREFIX}${encodeURIComponent(source)}|${campaignId ?? ''}`;

export function sourceOfKey(key: string): { source: string; campaignId: string | null } {
  const rest = key.slice(SOURCE_PREFIX.length);
  const bar = rest.indexOf('|');
  const campaignId = rest.slice(bar + 1);
  return {
    source: decodeURIComponent(rest.slice(0, bar)),
    campaignId: campaignId === '' ? null : campaignId,
  };
}

export const DAYS_TO_CONVERT_PREFIX = 'days.';

/**
 * Per lead source and first-touch campaign: `leads`, `converted`, a histogram of whole days
 * from the lead to its conversion (`days.N` → clients; the median is read from it, its size
 * the number of distinct day counts), `won` deals and `revenue.<currency>` (minor units).
 */
export const sourceEffectivenessAggregation: Aggregation<CampaignAttributionDocument> = {
  name: 'source-effectiveness',
  collection: 'source_effectiveness_tallies',
  contribution(doc) {
    if (doc.createdAt === null || doc.source === null) return new Map();
    const tally: Tally = {};
    count(tally, 'leads');
    if (doc.convertedAt !== null) {
      count(tally, 'converted');
      const days = Math.max(0, Math.floor(daysBetween(doc.createdAt, doc.convertedAt)));
      count(tally, `${DAYS_TO_CONVERT_PREFIX}${days}`);
    }
    for (const deal of Object.values(doc.deals)) {
      if (deal.status !== 'won') continue;
      count(tally, 'won');
      count(tally, `revenue.${deal.currency}`, deal.amountMinor);
    }
    return new Map([[sourceKey(doc.source, firstTouch(doc)), tally]]);
  },
};
