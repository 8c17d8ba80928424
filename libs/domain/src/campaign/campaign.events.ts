/** How a campaign reaches its audience. */
export const CAMPAIGN_CHANNELS = [
  'email',
  'phone',
  'event',
  'web',
  'ads',
  'social',
  'mail',
] as const;
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

/** What a member did in answer to a campaign. */
export const CAMPAIGN_RESPONSES = [
  'opened',
  'clicked',
  'replied',
  'registered',
  'attended',
  'unsubscribed',
] as const;
export type CampaignResponse = (typeof CAMPAIGN_RESPONSES)[number];

/** The consent purpose a campaign needs when none is named. */
export const DEFAULT_CAMPAIGN_PURPOSE = 'marketing';

/** Why a client named in a batch of members was not added. */
export const MEMBER_SKIP_REASONS = [
  'unknown',
  'erased',
  'no-consent',
  'consent-revoked',
  'already-member',
  'duplicate',
] as const;
export type MemberSkipReason = (typeof MEMBER_SKIP_REASONS)[number];

export interface SkippedMember {
  customerId: string;
  reason: MemberSkipReason;
}

export interface Money {
  amount: number;
  currency: string;
}

export type CampaignPlanned = {
  type: 'CampaignPlanned';
  schemaVersion: 1;
  data: {
    campaignId: string;
    name: string;
    channel: CampaignChannel;
    startsAt: string;
    endsAt?: string;
    budget?: Money;
    /** The consent purpose members must have granted. */
    purpose: string;
    plannedAt: string;
  };
};

export type CampaignLaunched = {
  type: 'CampaignLaunched';
  schemaVersion: 1;
  data: { campaignId: string; note?: string; launchedAt: string };
};

export type CampaignClosed = {
  type: 'CampaignClosed';
  schemaVersion: 1;
  data: { campaignId: string; note?: string; closedAt: string };
};

export type CampaignCostRecorded = {
  type: 'CampaignCostRecorded';
  schemaVersion: 1;
  data: { campaignId: string; amount: number; currency: string; note?: string; at: string };
};

/**
 * A batch of members: the clients added (each with a current grant for the campaign's purpose)
 * and those that were not, with the reason, so the answer (and a replay of it) can say so.
 */
export type CampaignMembersAdded = {
  type: 'CampaignMembersAdded';
  schemaVersion: 1;
  data: {
    campaignId: string;
    customerIds: string[];
    skipped: SkippedMember[];
    addedAt: string;
  };
};

/** A member's response; an unsubscribe also revokes the purpose's consent (same append). */
export type CampaignResponseRecorded = {
  type: 'CampaignResponseRecorded';
  schemaVersion: 1;
  data: {
    campaignId: string;
    customerId: string;
    response: CampaignResponse;
    /** When it happened (business time); recordedAt: when the log took it. */
    occurredAt: string;
    recordedAt: string;
  };
};

export type CampaignEvent =
  | CampaignPlanned
  | CampaignLaunched
  | CampaignClosed
  | CampaignCostRecorded
  | CampaignMembersAdded
  | CampaignResponseRecorded;

export const campaignStreamId = (campaignId: string) => `campaign-${campaignId}`;
