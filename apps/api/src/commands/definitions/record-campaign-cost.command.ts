import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { CampaignResponse } from '../command.openapi';
import { IsIsoCurrency, IsPositiveAmount, IsText, Omittable } from '../validators';
import { decideOnCampaign } from './decide-on-campaign';

export class RecordCampaignCostDto {
  @ApiProperty({ example: 1200.5 })
  @IsPositiveAmount()
  amount!: number;

  @ApiProperty({ example: 'EUR', description: "ISO 4217: the budget's currency" })
  @IsIsoCurrency()
  currency!: string;

  @ApiPropertyOptional({ example: 'printing', description: 'what the cost was for' })
  @Omittable()
  @IsText(500)
  note?: string;
}

export const recordCampaignCost = defineCommand({
  name: 'RecordCampaignCost',
  summary: "Record a cost of a campaign, in its budget's currency (CampaignCostRecorded)",
  http: { method: 'POST', path: '/campaigns/:id/costs', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: RecordCampaignCostDto,
  response: CampaignResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCampaign(load, {
      type: 'RecordCampaignCost',
      now: context.now,
      data: {
        campaignId: id,
        amount: body.amount,
        currency: body.currency,
        ...(body.note !== undefined && { note: body.note.trim() }),
      },
    }),
});
