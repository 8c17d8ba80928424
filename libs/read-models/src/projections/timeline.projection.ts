import {
  assertNever,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  type CrmEnvelope,
  type EventEnvelope,
  type Sealed,
} from '@rapport/domain';
import type { Projection } from '../projection';
import { rangeKey } from '../read-store.port';
import type { TimelineEntryDocument, TimelineFacts, TimelineKind } from './timeline-entry.document';

export * from './timeline-entry.document';

/** The entry of one client added to a campaign by a batch: `event:<event id>:<client id>`. */
const memberEntryKey = (eventId: string, customerId: string) => `event:${eventId}:${customerId}`;

/** Sealed texts that are there (an optional note left out). */
function texts(values: Record<string, Sealed | null | undefined>): Record<string, Sealed> {
  const present: Record<string, Sealed> = {};
  for (const [name, value] of Object.entries(values)) if (value) present[name] = value;
  return present;
}

/** Facts without the optional ones that are absent. */
function facts(values: Record<string, string | number | boolean | null | undefined>) {
  const present: TimelineFacts = {};
  for (const [name, value] of Object.entries(values))
    if (value !== undefined) present[name] = value;
  return present;
}

function entry(
  key: string,
  customerId: string,
  kind: TimelineKind,
  type: string,
  at: string,
  entryFacts: TimelineFacts,
  text: Record<string, Sealed> = {},
): TimelineEntryDocument {
  return {
    id: key,
    position: 0,
    customerId,
    kind,
    type,
    at,
    facts: entryFacts,
    text,
    customerAt: rangeKey(customerId, at),
    customerKindAt: rangeKey(customerId, kind, at),
  };
}

/**
 * What happened to a client, one write-once document per event, indexed by client and time
 * (and by client, kind and time), so a page of a timeline is an index range. Activities,
 * planned and done, are the timeline's other source: the activities projection, one document
 * per activity placed by customerAt. A contact logged by completing an activity is shown by
 * the activity, not twice.
 */
export const timelineProjection: Projection<TimelineEntryDocument> = {
  name: 'timeline',
  version: 1,
  collection: 'timeline',
  indexes: ['customerAt', 'customerKindAt'],
  // One event, one entry, never changed: the engine neither looks entries up nor caches them.
  writeOnce: true,

  keysOf(event: EventEnvelope): readonly string[] {
    if (!isCrmEvent(event) || CRM_EVENT_CATALOGUE[event.type].aggregate === 'activity') return [];
    if (CRM_EVENT_CATALOGUE[event.type].aggregate === 'campaign') {
      // Campaign touches: a membership (one entry per client added) and a response.
      if (event.type === 'CampaignMembersAdded') {
        return event.data.customerIds.map((customerId) => memberEntryKey(event.id, customerId));
      }
      return event.type === 'CampaignResponseRecorded' ? [`event:${event.id}`] : [];
    }
    if (event.type === 'ContactLogged' && event.data.activityId !== undefined) return [];
    return [`event:${event.id}`];
  },

  apply(_current, envelope, key) {
    const event = envelope as CrmEnvelope;
    const at = (customerId: string) => ({ key, customerId, type: event.type });
    const make = (
      where: { key: string; customerId: string; type: string },
      kind: TimelineKind,
      time: string,
      entryFacts: TimelineFacts,
      text?: Record<string, Sealed>,
    ) => entry(where.key, where.customerId, kind, where.type, time, entryFacts, text);
    switch (event.type) {
      case 'ActivityScheduled':
      case 'ActivityRescheduled':
      case 'ActivityReassigned':
      case 'ActivityCompleted':
      case 'ActivityCancelled':
        throw new Error(`${event.type} is kept by the activities projection`);
      case 'ContactLogged': {
        const { data } = event;
        return make(
          at(data.customerId),
          'contact',
          data.occurredAt,
          facts({
            contactId: data.contactId,
            channel: data.channel,
            direction: data.direction,
            outcome: data.outcome,
            durationMinutes: data.durationMinutes,
          }),
          texts({ subject: data.subject, notes: data.notes }),
        );
      }
      case 'LeadCreated': {
        const { data } = event;
        return make(at(data.customerId), 'lifecycle', data.createdAt, {
          source: data.source,
          ownerId: data.ownerId ?? null,
        });
      }
      case 'CustomerConverted':
        return make(at(event.data.customerId), 'lifecycle', event.data.convertedAt, {
          dealId: event.data.dealId,
        });
      case 'CustomerChurned':
        return make(at(event.data.customerId), 'lifecycle', event.data.churnedAt, {
          reason: event.data.reason,
        });
      case 'CustomerReactivated':
        return make(at(event.data.customerId), 'lifecycle', event.data.reactivatedAt, {
          status: event.data.status,
          trigger: event.data.trigger,
        });
      case 'OwnerAssigned':
        return make(at(event.data.customerId), 'lifecycle', event.data.at, {
          ownerId: event.data.ownerId,
          previousOwnerId: event.data.previousOwnerId ?? null,
        });
      case 'CustomerProfileCorrected':
        return make(at(event.data.customerId), 'lifecycle', event.data.at, {
          correctedFields: event.data.correctedFields.join(', '),
        });
      case 'CustomerErased':
        return make(at(event.data.customerId), 'lifecycle', event.data.erasedAt, {});
      case 'ConsentGranted':
      case 'ConsentRevoked':
        return make(at(event.data.customerId), 'consent', event.data.at, {
          purpose: event.data.purpose,
          granted: event.type === 'ConsentGranted',
        });
      case 'DealOpened': {
        const { data } = event;
        return make(at(data.customerId), 'deal', data.openedAt, {
          dealId: data.dealId,
          title: data.title,
          amount: data.amount,
          currency: data.currency,
          stage: data.stage,
        });
      }
      case 'DealStageChanged':
        return make(at(event.data.customerId), 'deal', event.data.changedAt, {
          dealId: event.data.dealId,
          from: event.data.from,
          stage: event.data.to,
        });
      case 'DealWon':
        return make(at(event.data.customerId), 'deal', event.data.wonAt, {
          dealId: event.data.dealId,
          amount: event.data.amount,
          currency: event.data.currency,
        });
      case 'DealLost':
        return make(at(event.data.customerId), 'deal', event.data.lostAt, {
          dealId: event.data.dealId,
          stage: event.data.stage,
          reason: event.data.reason,
        });
      case 'ComplaintRaised': {
        const { data } = event;
        return make(
          at(data.customerId),
          'complaint',
          data.raisedAt,
          facts({
            complaintId: data.complaintId,
            category: data.category,
            severity: data.severity,
            channel: data.channel,
          }),
          texts({ description: data.description }),
        );
      }
      case 'ComplaintEscalated':
        return make(at(event.data.customerId), 'complaint', event.data.escalatedAt, {
          complaintId: event.data.complaintId,
          reason: event.data.reason,
        });
      case 'ComplaintResolved': {
        const { data } = event;
        return make(
          at(data.customerId),
          'complaint',
          data.resolvedAt,
          facts({ complaintId: data.complaintId, satisfaction: data.satisfaction }),
          texts({ resolution: data.resolution }),
        );
      }
      case 'CampaignMembersAdded':
        return make(at(key.slice(key.lastIndexOf(':') + 1)), 'campaign', event.data.addedAt, {
          campaignId: event.data.campaignId,
        });
      case 'CampaignResponseRecorded':
        return make(at(event.data.customerId), 'campaign', event.data.occurredAt, {
          campaignId: event.data.campaignId,
          response: event.data.response,
        });
      case 'CampaignPlanned':
      case 'CampaignLaunched':
      case 'CampaignClosed':
      case 'CampaignCostRecorded':
        throw new Error(`${event.type} concerns no client: it has no timeline entry`);
      default:
        return assertNever(event, 'event type in timeline');
    }
  },
};
