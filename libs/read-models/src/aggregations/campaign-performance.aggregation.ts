import { count, type Aggregation, type Tally } from '../aggregation';
import type { CampaignAttributionDocument } from '../projections/campaign.document';
import { firstTouch } from '../projections/campaign-touches';

/** Aggregate key of one campaign's figures. */
export const campaignKey = (campaignId: string) => `campaign:${campaignId}`;

/**
 * Per campaign, what its members and the clients it touched did: `responses.<kind>`,
 * `responders` (members who engaged: any response but an unsubscribe), and attribution:
 * first touch (`leads`, `converted`, `wonFirst`, `revenueFirst.<currency>` in minor units) and
 * last touch (`wonLast`, `revenueLast.<currency>`) of each won deal.
 */
export const campaignPerformanceAggregation: Aggregation<CampaignAttributionDocument> = {
  name: 'campaign-performance',
  collection: 'campaign_performance_tallies',
  contribution(doc) {
    const tallies = new Map<string, Tally>();
    const of = (campaignId: string) => {
      const key = campaignKey(campaignId);
      let tally = tallies.get(key);
      if (!tally) tallies.set(key, (tally = {}));
      return tally;
    };
    for (const [campaignId, touches] of Object.entries(doc.touches)) {
      const tally = of(campaignId);
      for (const [kind, n] of Object.entries(touches.responses))
        count(tally, `responses.${kind}`, n);
      if (touches.firstAt !== null) count(tally, 'responders');
    }
    const won = Object.values(doc.deals).filter((deal) => deal.status === 'won');
    const first = doc.createdAt === null ? null : firstTouch(doc);
    if (first !== null) {
      const tally = of(first);
      count(tally, 'leads');
      if (doc.convertedAt !== null) count(tally, 'converted');
      for (const deal of won) {
        count(tally, 'wonFirst');
        count(tally, `revenueFirst.${deal.currency}`, deal.amountMinor);
      }
    }
    for (const deal of won) {
      if (deal.lastTouch === null) continue;
      const tally = of(deal.lastTouch);
      count(tally, 'wonLast');
      count(tally, `revenueLast.${deal.currency}`, deal.amountMinor);
    }
    return tallies;
  },
};
