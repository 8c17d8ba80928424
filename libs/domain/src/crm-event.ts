import type { ActivityEvent } from './activity/activity.events';
import type { CampaignEvent } from './campaign/campaign.events';
import type { ComplaintEvent } from './complaint/complaint.events';
import type { CustomerEvent } from './customer/customer.events';
import type { DealEvent } from './deal/deal.events';
import type { EnvelopeOf, EventEnvelope } from './shared/envelope';

/** Every fact about a client that the CRM records. */
export type CrmEvent = CustomerEvent | DealEvent | ComplaintEvent | ActivityEvent | CampaignEvent;
export type CrmEventType = CrmEvent['type'];
export type CrmEnvelope = EnvelopeOf<CrmEvent>;

/** The aggregate whose stream records an event type. */
export type CrmAggregate = 'customer' | 'deal' | 'complaint' | 'activity' | 'campaign';

export interface CrmEventInfo {
  aggregate: CrmAggregate;
  /** What happened, for people: audit trails, the AsyncAPI document, the docs. */
  summary: string;
}

/**
 * The event catalogue. A typed record, so that a new member of CrmEvent that is missing here
 * does not compile (and neither does an entry for a type that does not exist).
 */
export const CRM_EVENT_CATALOGUE: { readonly [T in CrmEventType]: CrmEventInfo } = {
  LeadCreated: { aggregate: 'customer', summary: 'a lead was created' },
  ContactLogged: { aggregate: 'customer', summary: 'a contact with the client took place' },
  CustomerConverted: { aggregate: 'customer', summary: "the lead's first deal was won" },
  CustomerChurned: { aggregate: 'customer', summary: 'the client churned' },
  CustomerReactivated: { aggregate: 'customer', summary: 'a churned client came back' },
  ConsentGranted: { aggregate: 'customer', summary: 'the client granted consent for a purpose' },
  ConsentRevoked: { aggregate: 'customer', summary: 'the client revoked consent for a purpose' },
  OwnerAssigned: { aggregate: 'customer', summary: 'the client was handed to another owner' },
  CustomerProfileCorrected: {
    aggregate: 'customer',
    summary: "the client's profile was corrected",
  },
  CustomerErased: { aggregate: 'customer', summary: "the client's personal data was erased" },
  DealOpened: { aggregate: 'deal', summary: 'a deal was opened' },
  DealStageChanged: { aggregate: 'deal', summary: 'a deal moved to another stage' },
  DealWon: { aggregate: 'deal', summary: 'a deal was won' },
  DealLost: { aggregate: 'deal', summary: 'a deal was lost' },
  ComplaintRaised: { aggregate: 'complaint', summary: 'a complaint was raised' },
  ComplaintEscalated: { aggregate: 'complaint', summary: 'a complaint was escalated' },
  ComplaintResolved: { aggregate: 'complaint', summary: 'a complaint was resolved' },
  ActivityScheduled: { aggregate: 'activity', summary: 'an activity with the client was planned' },
  ActivityRescheduled: { aggregate: 'activity', summary: 'a planned activity was moved' },
  ActivityReassigned: { aggregate: 'activity', summary: 'a planned activity changed owner' },
  ActivityCompleted: { aggregate: 'activity', summary: 'a planned activity was done' },
  ActivityCancelled: { aggregate: 'activity', summary: 'a planned activity was cancelled' },
  CampaignPlanned: { aggregate: 'campaign', summary: 'a marketing campaign was planned' },
  CampaignLaunched: { aggregate: 'campaign', summary: 'a campaign was launched' },
  CampaignClosed: { aggregate: 'campaign', summary: 'a campaign was closed' },
  CampaignCostRecorded: { aggregate: 'campaign', summary: 'a cost of a campaign was recorded' },
  CampaignMembersAdded: { aggregate: 'campaign', summary: 'clients were added to a campaign' },
  CampaignResponseRecorded: {
    aggregate: 'campaign',
    summary: "a member's response to a campaign was recorded",
  },
};

export const CRM_EVENT_TYPES = Object.keys(CRM_EVENT_CATALOGUE) as readonly CrmEventType[];

/** Whether a stored event is one of the client facts of the catalogue (not an audit event). */
export function isCrmEvent(event: EventEnvelope): event is CrmEnvelope {
  return Object.prototype.hasOwnProperty.call(CRM_EVENT_CATALOGUE, event.type);
}
