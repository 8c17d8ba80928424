import {
  assertNever,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  toMinor,
  type CampaignEvent,
  type EnvelopeOf,
  type EventEnvelope,
} from '@rapport/domain';
import type { Projection } from '../projection';
import type { CampaignDocument } from './campaign.document';

export type * from './campaign.document';

/** Events a campaign document follows: its own, not its members' responses (see below). */
const OWN_EVENTS: ReadonlySet<string> = new Set([
  'CampaignPlanned',
  'CampaignLaunched',
  'CampaignClosed',
  'CampaignCostRecorded',
  'CampaignMembersAdded',
]);

function unplanned(event: EnvelopeOf<CampaignEvent>): CampaignDocument {
  // Only reached if a stream's first event were not CampaignPlanned (never, per stream order).
  return {
    id: event.data.campaignId,
    position: 0,
    campaignId: event.data.campaignId,
    name: '',
    channel: 'email',
    purpose: 'marketing',
    status: 'planned',
    startsAt: event.recordedAt,
    endsAt: null,
    budget: null,
    plannedAt: event.recordedAt,
    launchedAt: null,
    closedAt: null,
    members: 0,
    skipped: {},
    costMinor: {},
    costEntries: 0,
  };
}

/**
 * One document per campaign: its stage, budget, costs and member count. Responses are not
 * counted here: they are about one client each and travel with that client's events (the
 * Kafka key), so they are summed per campaign by the campaign-performance aggregation of
 * campaign-attribution; a campaign's own events share the campaign's key and stay in order.
 */
export const campaignsProjection: Projection<CampaignDocument> = {
  name: 'campaigns',
  version: 1,
  collection: 'campaigns',
  indexes: ['status'],

  keysOf(event: EventEnvelope): readonly string[] {
    if (!isCrmEvent(event) || CRM_EVENT_CATALOGUE[event.type].aggregate !== 'campaign') return [];
    return OWN_EVENTS.has(event.type) ? [(event.data as { campaignId: string }).campaignId] : [];
  },

  apply(current, envelope) {
    const event = envelope as EnvelopeOf<CampaignEvent>;
    const doc = current ?? unplanned(event);
    switch (event.type) {
      case 'CampaignPlanned': {
        const { data } = event;
        return {
          ...doc,
          name: data.name,
          channel: data.channel,
          purpose: data.purpose,
          startsAt: data.startsAt,
          endsAt: data.endsAt ?? null,
          budget: data.budget ?? null,
          plannedAt: data.plannedAt,
        };
      }
      case 'CampaignLaunched':
        return { ...doc, status: 'launched', launchedAt: event.data.launchedAt };
      case 'CampaignClosed':
        return { ...doc, status: 'closed', closedAt: event.data.closedAt };
      case 'CampaignCostRecorded': {
        const { currency, amount } = event.data;
        return {
          ...doc,
          costMinor: {
            ...doc.costMinor,
            [currency]: (doc.costMinor[currency] ?? 0) + toMinor(amount, currency),
          },
          costEntries: doc.costEntries + 1,
        };
      }
      case 'CampaignMembersAdded': {
        const skipped = { ...doc.skipped };
        for (const { reason } of event.data.skipped) skipped[reason] = (skipped[reason] ?? 0) + 1;
        return { ...doc, members: doc.members + event.data.customerIds.length, skipped };
      }
      case 'CampaignResponseRecorded':
        throw new Error('campaigns does not handle CampaignResponseRecorded (see keysOf)');
      default:
        return assertNever(event, 'event type in campaigns');
    }
  },
};
