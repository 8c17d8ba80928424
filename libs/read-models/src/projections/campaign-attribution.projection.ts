import {
  assertNever,
  isCrmEvent,
  toMinor,
  type CrmEnvelope,
  type EventEnvelope,
} from '@rapport/domain';
import { campaignPerformanceAggregation } from '../aggregations/campaign-performance.aggregation';
import { sourceEffectivenessAggregation } from '../aggregations/source-effectiveness.aggregation';
import type { Projection } from '../projection';
import type {
  AttributedDeal,
  CampaignAttributionDocument,
  CampaignTouches,
} from './campaign.document';
import { lastTouchAt } from './campaign-touches';

export * from './campaign-touches';

const FOLLOWED: ReadonlySet<string> = new Set([
  'LeadCreated',
  'CustomerConverted',
  'DealOpened',
  'DealWon',
  'DealLost',
  'CampaignResponseRecorded',
]);

export function emptyAttribution(customerId: string): CampaignAttributionDocument {
  return {
    id: customerId,
    position: 0,
    customerId,
    source: null,
    createdAt: null,
    leadCampaignId: null,
    convertedAt: null,
    touches: {},
    deals: {},
  };
}

function touched(previous: CampaignTouches | undefined, kind: string, at: string): CampaignTouches {
  const touches = previous ?? { responses: {}, firstAt: null, lastAt: null };
  const engaging = kind !== 'unsubscribed';
  return {
    responses: { ...touches.responses, [kind]: (touches.responses[kind] ?? 0) + 1 },
    firstAt: engaging && (touches.firstAt === null || at < touches.firstAt) ? at : touches.firstAt,
    lastAt: engaging && (touches.lastAt === null || at > touches.lastAt) ? at : touches.lastAt,
  };
}

/**
 * Per client, what campaign attribution needs: the lead's source and campaign, conversion,
 * campaign responses, and each open or won deal with its last touch (decided when the deal
 * opened, from the responses known then). Its aggregations keep the campaign performance and
 * source effectiveness figures; every event it follows carries the client's id as Kafka key,
 * so one client's document sees its events in order on every path.
 */
export const campaignAttributionProjection: Projection<CampaignAttributionDocument> = {
  name: 'campaign-attribution',
  version: 1,
  collection: 'campaign_attribution',
  indexes: [],
  aggregations: [campaignPerformanceAggregation, sourceEffectivenessAggregation],

  keysOf(event: EventEnvelope): readonly string[] {
    if (!isCrmEvent(event) || !FOLLOWED.has(event.type)) return [];
    return [(event.data as { customerId: string }).customerId];
  },

  apply(current, envelope, key) {
    const doc = current ?? emptyAttribution(key);
    const event = envelope as CrmEnvelope;
    switch (event.type) {
      case 'LeadCreated':
        return {
          ...doc,
          source: event.data.source,
          createdAt: event.data.createdAt,
          leadCampaignId: event.data.campaignId ?? null,
        };
      case 'CustomerConverted':
        return doc.convertedAt !== null ? doc : { ...doc, convertedAt: event.data.convertedAt };
      case 'DealOpened': {
        const { data } = event;
        const deal: AttributedDeal = {
          openedAt: data.openedAt,
          lastTouch: lastTouchAt(doc, data.openedAt, data.campaignId ?? null),
          status: 'open',
          currency: data.currency,
          amountMinor: toMinor(data.amount, data.currency),
          wonAt: null,
        };
        return { ...doc, deals: { ...doc.deals, [data.dealId]: deal } };
      }
      case 'DealWon': {
        const { data } = event;
        const opened = doc.deals[data.dealId];
        const deal: AttributedDeal = {
          openedAt: opened?.openedAt ?? data.openedAt,
          lastTouch: opened?.lastTouch ?? null,
          status: 'won',
          currency: data.currency,
          amountMinor: toMinor(data.amount, data.currency),
          wonAt: data.wonAt,
        };
        return { ...doc, deals: { ...doc.deals, [data.dealId]: deal } };
      }
      case 'DealLost': {
        if (!(event.data.dealId in doc.deals)) return doc;
        const deals = { ...doc.deals };
        delete deals[event.data.dealId];
        return { ...doc, deals };
      }
      case 'CampaignResponseRecorded': {
        const { data } = event;
        return {
          ...doc,
          touches: {
            ...doc.touches,
            [data.campaignId]: touched(
              doc.touches[data.campaignId],
              data.response,
              data.occurredAt,
            ),
          },
        };
      }
      case 'ContactLogged':
      case 'CustomerChurned':
      case 'CustomerReactivated':
      case 'ConsentGranted':
      case 'ConsentRevoked':
      case 'OwnerAssigned':
      case 'CustomerProfileCorrected':
      case 'CustomerErased':
      case 'DealStageChanged':
      case 'ComplaintRaised':
      case 'ComplaintEscalated':
      case 'ComplaintResolved':
      case 'ActivityScheduled':
      case 'ActivityRescheduled':
      case 'ActivityReassigned':
      case 'ActivityCompleted':
      case 'ActivityCancelled':
      case 'CampaignPlanned':
      case 'CampaignLaunched':
      case 'CampaignClosed':
      case 'CampaignCostRecorded':
      case 'CampaignMembersAdded':
        // keysOf routes none of these here. An erasure keeps the business facts (revenue,
        // source, campaigns), as everywhere else.
        throw new Error(`campaign-attribution does not handle ${event.type}`);
      default:
        return assertNever(event, 'event type in campaign-attribution');
    }
  },
};
