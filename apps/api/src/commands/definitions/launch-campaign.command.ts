import { defineCommand } from '../command-definition';
import { CampaignResponse } from '../command.openapi';
import { decideOnCampaign } from './decide-on-campaign';

/** No fields: the path names the campaign. */
export class EmptyCampaignDto {}

export const launchCampaign = defineCommand({
  name: 'LaunchCampaign',
  summary: 'Launch a planned campaign (CampaignLaunched)',
  http: { method: 'POST', path: '/campaigns/:id/launch', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: EmptyCampaignDto,
  response: CampaignResponse,
  decide: ({ id, context }, { load }) =>
    decideOnCampaign(load, { type: 'LaunchCampaign', now: context.now, data: { campaignId: id } }),
});
