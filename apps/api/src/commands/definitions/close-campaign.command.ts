import { defineCommand } from '../command-definition';
import { CampaignResponse } from '../command.openapi';
import { decideOnCampaign } from './decide-on-campaign';
import { CampaignStepDto } from './launch-campaign.command';

export const closeCampaign = defineCommand({
  name: 'CloseCampaign',
  summary:
    'Close a launched campaign (CampaignClosed); responses are still taken for CRM_CAMPAIGN_RESPONSE_GRACE_DAYS',
  http: { method: 'POST', path: '/campaigns/:id/close', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: CampaignStepDto,
  response: CampaignResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCampaign(load, {
      type: 'CloseCampaign',
      now: context.now,
      data: { campaignId: id, ...(body.note !== undefined && { note: body.note.trim() }) },
    }),
});
