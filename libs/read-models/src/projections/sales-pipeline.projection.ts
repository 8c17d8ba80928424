import {
  assertNever,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  toMinor,
  type CrmEnvelope,
  type EventEnvelope,
} from '@rapport/domain';
import { pipelineOwnersAggregation } from '../aggregations/pipeline-owners.aggregation';
import type { Projection } from '../projection';
import type { PipelineDealDocument } from './pipeline-deal.document';

export type * from './pipeline-deal.document';

export const salesPipelineProjection: Projection<PipelineDealDocument> = {
  name: 'sales-pipeline',
  // 2: the owners' tallies (pipeline figures) are maintained beside the deal documents.
  version: 2,
  collection: 'pipeline_deals',
  indexes: ['status', 'ownerId', 'customerId'],
  aggregations: [pipelineOwnersAggregation],

  keysOf(event: EventEnvelope): readonly string[] {
    return isCrmEvent(event) && CRM_EVENT_CATALOGUE[event.type].aggregate === 'deal'
      ? [(event.data as { dealId: string }).dealId]
      : [];
  },

  apply(current, envelope) {
    const event = envelope as CrmEnvelope;
    switch (event.type) {
      case 'DealOpened':
        return {
          id: event.data.dealId,
          position: 0,
          dealId: event.data.dealId,
          customerId: event.data.customerId,
          ownerId: event.data.ownerId ?? null,
          title: event.data.title,
          status: 'open',
          stage: event.data.stage,
          amountMinor: toMinor(event.data.amount, event.data.currency),
          currency: event.data.currency,
          openedAt: event.data.openedAt,
          closedAt: null,
          lostReason: null,
        };
      case 'DealStageChanged':
        return current ? { ...current, stage: event.data.to } : missing(event);
      case 'DealWon':
        return current
          ? {
              ...current,
              status: 'won',
              amountMinor: toMinor(event.data.amount, event.data.currency),
              closedAt: event.data.wonAt,
            }
          : missing(event);
      case 'DealLost':
        return current
          ? {
              ...current,
              status: 'lost',
              closedAt: event.data.lostAt,
              lostReason: event.data.reason,
            }
          : missing(event);
      case 'LeadCreated':
      case 'ContactLogged':
      case 'CustomerConverted':
      case 'CustomerChurned':
      case 'CustomerReactivated':
      case 'ConsentGranted':
      case 'ConsentRevoked':
      case 'OwnerAssigned':
      case 'CustomerProfileCorrected':
      case 'CustomerErased':
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
      case 'CampaignResponseRecorded':
        // keysOf routes no other event here; an erasure leaves the deal's facts as they are.
        throw new Error(`sales-pipeline does not handle ${event.type}`);
      default:
        return assertNever(event, 'event type in sales-pipeline');
    }
  },
};

function missing(event: EventEnvelope): never {
  throw new Error(`${event.type} at position ${event.position} for a deal that was never opened`);
}
