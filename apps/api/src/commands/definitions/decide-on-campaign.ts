import {
  campaignDecider,
  campaignStreamId,
  requireAttributableCampaign,
  type CampaignCommand,
} from '@rapport/domain';
import { decided, type Decision, type Load } from '../command-executor';

/**
 * A command decided by the campaign alone. Its events concern no single client: they carry
 * the campaign's id as their subject (metadata.customerId, the Kafka key), so one campaign's
 * events keep their order end to end.
 */
export async function decideOnCampaign(load: Load, command: CampaignCommand): Promise<Decision> {
  const { campaignId } = command.data;
  const campaign = await load(campaignDecider, campaignStreamId(campaignId));
  return {
    customerId: campaignId,
    primary: decided(campaign, campaignDecider.decide(command, campaign.state)),
  };
}

/**
 * A lead or deal that names a campaign names one that exists (refused with UNKNOWN_CAMPAIGN
 * otherwise). Campaigns are never removed, so the campaign's stream is no condition of the
 * append (it would make every lead contend with the campaign's responses).
 */
export async function requireCampaignToAttribute(
  load: Load,
  campaignId: string | undefined,
): Promise<void> {
  if (campaignId === undefined) return;
  const campaign = await load(campaignDecider, campaignStreamId(campaignId));
  requireAttributableCampaign(campaign.state, campaignId);
}
