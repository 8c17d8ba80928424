import { ApiPropertyOptional } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { CampaignResponse } from '../command.openapi';
import { IsText, Omittable } from '../validators';
import { decideOnCampaign } from './decide-on-campaign';

/** The path names the campaign; the body may be `{}`. */
export class CampaignStepDto {
  @ApiPropertyOptional({
    description: 'a remark kept with the event, e.g. why it was launched now',
  })
  @Omittable()
  @IsText(500)
  note?: string;
}

export const launchCampaign = defineCommand({
  name: 'LaunchCampaign',
  summary: 'Launch a planned campaign (CampaignLaunched)',
  http: { method: 'POST', path: '/campaigns/:id/launch', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: CampaignStepDto,
  response: CampaignResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCampaign(load, {
      type: 'LaunchCampaign',
      now: context.now,
      data: { campaignId: id, ...(body.note !== undefined && { note: body.note.trim() }) },
    }),
});
