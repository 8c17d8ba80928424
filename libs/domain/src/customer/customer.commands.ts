import type { Sealed } from '../shared/personal-data';
import type {
  ContactChannel,
  ContactDirection,
  ContactOutcome,
  ProfileChanges,
} from './customer.events';

/** Every command carries the decision time; deciders never read a clock. */
interface Timed {
  now: string;
}

export type CreateLead = Timed & {
  type: 'CreateLead';
  data: {
    customerId: string;
    name: Sealed;
    email?: Sealed;
    phone?: Sealed;
    company?: string;
    source: string;
    ownerId?: string;
    /** The campaign the lead came from (attribution); must exist. */
    campaignId?: string;
  };
};

export type LogContact = Timed & {
  type: 'LogContact';
  data: {
    customerId: string;
    contactId: string;
    channel: ContactChannel;
    direction: ContactDirection;
    subject: Sealed;
    notes?: Sealed;
    outcome?: ContactOutcome;
    durationMinutes?: number;
    activityId?: string;
    occurredAt?: string;
  };
};

export type ChurnCustomer = Timed & {
  type: 'ChurnCustomer';
  data: { customerId: string; reason: string };
};

export type SetConsent = Timed & {
  type: 'SetConsent';
  data: { customerId: string; purpose: string; granted: boolean };
};

export type AssignOwner = Timed & {
  type: 'AssignOwner';
  data: { customerId: string; ownerId: string };
};

export type CorrectProfile = Timed & {
  type: 'CorrectProfile';
  data: { customerId: string; changes: ProfileChanges };
};

export type EraseCustomer = Timed & {
  type: 'EraseCustomer';
  data: { customerId: string; reason: string };
};

/**
 * Something happened to one of the client's deals. The customer decides whether that is
 * allowed (not for unknown or erased clients) and what it means for the relationship:
 * a lead's first won deal converts it; a new or won deal brings a churned client back.
 */
export type RegisterDealActivity = Timed & {
  type: 'RegisterDealActivity';
  data: {
    customerId: string;
    dealId: string;
    activity: 'opened' | 'stage-changed' | 'won' | 'lost';
  };
};

/** A complaint is raised or resolved: only for a known client who is not erased. */
export type RegisterComplaintActivity = Timed & {
  type: 'RegisterComplaintActivity';
  data: { customerId: string; complaintId: string; activity: 'raised' | 'resolved' };
};

/** Something is planned with the client: only for a known client who is not erased. */
export type RegisterActivity = Timed & {
  type: 'RegisterActivity';
  data: {
    customerId: string;
    activityId: string;
    activity: 'scheduled' | 'rescheduled' | 'reassigned' | 'completed' | 'cancelled';
  };
};

/** A campaign records a member's response: only for a known client who is not erased. */
export type RegisterCampaignResponse = Timed & {
  type: 'RegisterCampaignResponse';
  data: { customerId: string; campaignId: string };
};

export type CustomerCommand =
  | CreateLead
  | LogContact
  | ChurnCustomer
  | SetConsent
  | AssignOwner
  | CorrectProfile
  | EraseCustomer
  | RegisterDealActivity
  | RegisterComplaintActivity
  | RegisterActivity
  | RegisterCampaignResponse;
