import type { Sealed } from '../shared/personal-data';
import type { Upcaster } from '../upcasting/upcaster';
import type { ContactLogged } from './customer.events';

/** ContactLogged as the first release stored it: no direction, "phone" for calls, one time. */
export interface ContactLoggedV1Data {
  customerId: string;
  contactId: string;
  channel: 'phone' | 'email' | 'meeting' | 'chat' | 'visit' | 'web';
  subject: Sealed;
  notes?: Sealed;
  /** When the contact happened; v1 logged contacts as they happened. */
  at: string;
}

/** ContactLogged v2, stored before contacts had an outcome and a duration. */
export type ContactLoggedV2Data = Omit<
  ContactLogged['data'],
  'outcome' | 'durationMinutes' | 'activityId' | 'channel'
> & { channel: 'call' | 'email' | 'meeting' | 'chat' | 'visit' | 'web' };

/**
 * v1 → v2: "phone" became "call"; every v1 contact was one our staff logged of their own
 * outreach, so its direction is outbound; its one time is both when it happened and was logged.
 */
export const contactLoggedV1ToV2: Upcaster = {
  type: 'ContactLogged',
  fromVersion: 1,
  upcast(data: unknown): ContactLoggedV2Data {
    const v1 = data as ContactLoggedV1Data;
    return {
      customerId: v1.customerId,
      contactId: v1.contactId,
      channel: v1.channel === 'phone' ? 'call' : v1.channel,
      direction: 'outbound',
      subject: v1.subject,
      ...(v1.notes !== undefined && { notes: v1.notes }),
      occurredAt: v1.at,
      loggedAt: v1.at,
    };
  },
};

/**
 * v2 → v3: a v2 contact has no recorded outcome or duration and completed no planned activity;
 * its data is already valid v3 data, only the version moves.
 */
export const contactLoggedV2ToV3: Upcaster = {
  type: 'ContactLogged',
  fromVersion: 2,
  upcast(data: unknown): ContactLogged['data'] {
    return data as ContactLoggedV2Data;
  },
};
