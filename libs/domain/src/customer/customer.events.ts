import type { Sealed } from '../shared/personal-data';

export const CONTACT_CHANNELS = [
  'call',
  'email',
  'meeting',
  'chat',
  'visit',
  'web',
  'sms',
  'social',
] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ContactDirection = (typeof CONTACT_DIRECTIONS)[number];
/** How a contact went: the client was reached, did not answer, got a message, or it is done. */
export const CONTACT_OUTCOMES = ['reached', 'no-answer', 'left-message', 'done'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

/** What a person or system may ask a client's consent for, e.g. "marketing", "profiling". */
export type ConsentPurpose = string;

/** Personal fields of a profile: always sealed (encrypted with the client's key). */
export const PERSONAL_PROFILE_FIELDS = ['name', 'email', 'phone'] as const;
export type PersonalProfileField = (typeof PERSONAL_PROFILE_FIELDS)[number];

export interface ProfileChanges {
  name?: Sealed;
  email?: Sealed | null;
  phone?: Sealed | null;
  company?: string | null;
}

export type LeadCreated = {
  type: 'LeadCreated';
  schemaVersion: 1;
  data: {
    customerId: string;
    name: Sealed;
    email?: Sealed;
    phone?: Sealed;
    company?: string;
    source: string;
    ownerId?: string;
    /** The campaign the lead came from (first-touch attribution); absent in older events. */
    campaignId?: string;
    createdAt: string;
  };
};

/**
 * Version 3 (current): v2 plus how the contact went and how long it took, and the activity it
 * completed, if any. Versions 1 and 2 are upcast on read (see contact-logged.upcaster.ts):
 * every stored event is presented as v3.
 */
export type ContactLogged = {
  type: 'ContactLogged';
  schemaVersion: 3;
  data: {
    customerId: string;
    contactId: string;
    channel: ContactChannel;
    direction: ContactDirection;
    subject: Sealed;
    notes?: Sealed;
    outcome?: ContactOutcome;
    durationMinutes?: number;
    /** The planned activity whose completion this contact is. */
    activityId?: string;
    occurredAt: string;
    loggedAt: string;
  };
};

export type CustomerConverted = {
  type: 'CustomerConverted';
  schemaVersion: 1;
  data: { customerId: string; dealId: string; convertedAt: string };
};

export type CustomerChurned = {
  type: 'CustomerChurned';
  schemaVersion: 1;
  data: {
    customerId: string;
    reason: string;
    previousStatus: 'lead' | 'customer';
    churnedAt: string;
  };
};

export type CustomerReactivated = {
  type: 'CustomerReactivated';
  schemaVersion: 1;
  data: {
    customerId: string;
    status: 'lead' | 'customer';
    trigger: 'inbound-contact' | 'deal-opened' | 'deal-won';
    reactivatedAt: string;
  };
};

export type ConsentGranted = {
  type: 'ConsentGranted';
  schemaVersion: 1;
  data: { customerId: string; purpose: ConsentPurpose; at: string };
};

export type ConsentRevoked = {
  type: 'ConsentRevoked';
  schemaVersion: 1;
  data: { customerId: string; purpose: ConsentPurpose; at: string };
};

export type OwnerAssigned = {
  type: 'OwnerAssigned';
  schemaVersion: 1;
  data: { customerId: string; ownerId: string; previousOwnerId?: string; at: string };
};

export type CustomerProfileCorrected = {
  type: 'CustomerProfileCorrected';
  schemaVersion: 1;
  data: { customerId: string; changes: ProfileChanges; correctedFields: string[]; at: string };
};

export type CustomerErased = {
  type: 'CustomerErased';
  schemaVersion: 1;
  data: { customerId: string; reason: string; erasedAt: string };
};

export type CustomerEvent =
  | LeadCreated
  | ContactLogged
  | CustomerConverted
  | CustomerChurned
  | CustomerReactivated
  | ConsentGranted
  | ConsentRevoked
  | OwnerAssigned
  | CustomerProfileCorrected
  | CustomerErased;

export const customerStreamId = (customerId: string) => `customer-${customerId}`;
