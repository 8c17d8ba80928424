import type { Sealed } from '../shared/personal-data';

export const CONTACT_CHANNELS = ['call', 'email', 'meeting', 'chat', 'visit', 'web'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ContactDirection = (typeof CONTACT_DIRECTIONS)[number];

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
    createdAt: string;
  };
};

/**
 * Version 2 (current). Version 1, stored before contacts had a direction, is upcast on read
 * (see contact-logged.upcaster.ts): every stored v1 event is presented as v2.
 */
export type ContactLogged = {
  type: 'ContactLogged';
  schemaVersion: 2;
  data: {
    customerId: string;
    contactId: string;
    channel: ContactChannel;
    direction: ContactDirection;
    subject: Sealed;
    notes?: Sealed;
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
