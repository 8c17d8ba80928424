import { decideCustomer, type CustomerState } from '../customer/customer.decider';
import type { CustomerEvent } from '../customer/customer.events';
import type { MemberEligibility, RecordCampaignResponse } from './campaign.commands';
import { decideCampaign, requireCampaign, type CampaignState } from './campaign.decider';
import type { CampaignEvent } from './campaign.events';

/**
 * Whether a client may join a campaign for `purpose`: only when their latest decision for it
 * is a grant. Unknown and erased clients, clients who never decided and clients who revoked
 * are not members (and are reported as skipped, with this reason).
 */
export function memberEligibility(customer: CustomerState, purpose: string): MemberEligibility {
  if (customer.status === 'none') return 'unknown';
  if (customer.status === 'erased') return 'erased';
  const decision = customer.consents[purpose];
  if (decision === undefined) return 'no-consent';
  return decision ? 'eligible' : 'consent-revoked';
}

export interface AddMembersInput {
  now: string;
  campaignId: string;
  customerIds: string[];
}

/** A batch of members decided with each named client's own record (their consent). */
export function decideCampaignMembers(
  input: AddMembersInput,
  campaign: CampaignState,
  customers: ReadonlyMap<string, CustomerState>,
): CampaignEvent[] {
  const { purpose } = requireCampaign(campaign, input.campaignId);
  const eligibility: Record<string, MemberEligibility> = {};
  for (const customerId of input.customerIds) {
    eligibility[customerId] = memberEligibility(
      customers.get(customerId) ?? { status: 'none' },
      purpose,
    );
  }
  return decideCampaign(
    {
      type: 'AddCampaignMembers',
      now: input.now,
      data: { campaignId: input.campaignId, customerIds: input.customerIds, eligibility },
    },
    campaign,
  );
}

export interface CampaignResponseDecision {
  campaign: CampaignEvent[];
  /** ConsentRevoked for an unsubscribe; else empty (the client's stream is a condition). */
  customer: CustomerEvent[];
}

/**
 * A member's response decided with the client: an erased client records nothing; an
 * unsubscribe also revokes the client's consent for the campaign's purpose, in the same
 * atomic append, so no later campaign can reach them on it.
 */
export function decideCampaignResponseWithCustomer(
  command: RecordCampaignResponse,
  campaign: CampaignState,
  customer: CustomerState,
): CampaignResponseDecision {
  const campaignEvents = decideCampaign(command, campaign);
  const { purpose } = requireCampaign(campaign, command.data.campaignId);
  const { customerId } = command.data;
  const customerEvents =
    command.data.response === 'unsubscribed'
      ? decideCustomer(
          { type: 'SetConsent', now: command.now, data: { customerId, purpose, granted: false } },
          customer,
        )
      : decideCustomer(
          {
            type: 'RegisterCampaignResponse',
            now: command.now,
            data: { customerId, campaignId: command.data.campaignId },
          },
          customer,
        );
  return { campaign: campaignEvents, customer: customerEvents };
}
