import type { ComplaintEvent } from './complaint/complaint.events';
import type { CustomerEvent } from './customer/customer.events';
import type { DealEvent } from './deal/deal.events';
import type { EnvelopeOf } from './shared/envelope';

/** Every fact about a client that the CRM records. */
export type CrmEvent = CustomerEvent | DealEvent | ComplaintEvent;
export type CrmEventType = CrmEvent['type'];
export type CrmEnvelope = EnvelopeOf<CrmEvent>;

export const CRM_EVENT_TYPES: readonly CrmEventType[] = [
  'LeadCreated',
  'ContactLogged',
  'CustomerConverted',
  'CustomerChurned',
  'CustomerReactivated',
  'ConsentGranted',
  'ConsentRevoked',
  'OwnerAssigned',
  'CustomerProfileCorrected',
  'CustomerErased',
  'DealOpened',
  'DealStageChanged',
  'DealWon',
  'DealLost',
  'ComplaintRaised',
  'ComplaintEscalated',
  'ComplaintResolved',
];
