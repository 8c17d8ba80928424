import type { CampaignChannel, CampaignResponse, Money } from './campaign.events';

interface Timed {
  now: string;
}

export type PlanCampaign = Timed & {
  type: 'PlanCampaign';
  data: {
    campaignId: string;
    name: string;
    channel: CampaignChannel;
    startsAt: string;
    endsAt?: string;
    budget?: Money;
    purpose?: string;
  };
};

export type LaunchCampaign = Timed & {
  type: 'LaunchCampaign';
  data: { campaignId: string; note?: string };
};

export type CloseCampaign = Timed & {
  type: 'CloseCampaign';
  data: { campaignId: string; note?: string };
};

export type RecordCampaignCost = Timed & {
  type: 'RecordCampaignCost';
  data: { campaignId: string; amount: number; currency: string; note?: string };
};

/** Where a client stands for a campaign's consent purpose, as their own record says. */
export type MemberEligibility =
  'eligible' | 'unknown' | 'erased' | 'no-consent' | 'consent-revoked';

/**
 * Members to add. The campaign decides duplicates and existing members; each client's
 * eligibility (latest consent decision for the purpose, erased, unknown) comes from the
 * client's own record (see campaign-with-customers.decider.ts).
 */
export type AddCampaignMembers = Timed & {
  type: 'AddCampaignMembers';
  data: {
    campaignId: string;
    /** In the order asked (1 to 1000). */
    customerIds: string[];
    eligibility: Readonly<Record<string, MemberEligibility>>;
  };
};

export type RecordCampaignResponse = Timed & {
  type: 'RecordCampaignResponse';
  data: {
    campaignId: string;
    customerId: string;
    response: CampaignResponse;
    occurredAt?: string;
    /** Days after the close during which responses are still taken (configuration). */
    graceDays: number;
  };
};

export type CampaignCommand =
  | PlanCampaign
  | LaunchCampaign
  | CloseCampaign
  | RecordCampaignCost
  | AddCampaignMembers
  | RecordCampaignResponse;
