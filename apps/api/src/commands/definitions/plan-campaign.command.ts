import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, ValidateNested } from 'class-validator';
import { CAMPAIGN_CHANNELS, DEFAULT_CAMPAIGN_PURPOSE, type CampaignChannel } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { CampaignResponse } from '../command.openapi';
import {
  ChosenId,
  IsIsoCurrency,
  IsIsoDateTime,
  IsPositiveAmount,
  IsText,
  Omittable,
} from '../validators';
import { decideOnCampaign } from './decide-on-campaign';

export class MoneyDto {
  @ApiProperty({ example: 5000 })
  @IsPositiveAmount()
  amount!: number;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217' })
  @IsIsoCurrency()
  currency!: string;
}

export class PlanCampaignDto {
  @ApiProperty({ example: 'Spring newsletter 2027' })
  @IsText(200)
  name!: string;

  @ApiProperty({ enum: CAMPAIGN_CHANNELS })
  @IsIn(CAMPAIGN_CHANNELS)
  channel!: CampaignChannel;

  @ApiProperty({ example: '2027-03-01T08:00:00Z' })
  @IsIsoDateTime()
  startsAt!: string;

  @ApiPropertyOptional({ example: '2027-03-31T18:00:00Z', description: 'after startsAt' })
  @Omittable()
  @IsIsoDateTime()
  endsAt?: string;

  @ApiPropertyOptional({ type: MoneyDto, description: 'every cost is recorded in its currency' })
  @Omittable()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  budget?: MoneyDto;

  @ApiPropertyOptional({
    example: DEFAULT_CAMPAIGN_PURPOSE,
    description: 'the consent purpose members must have granted (default marketing)',
  })
  @Omittable()
  @IsText(100)
  purpose?: string;

  @ChosenId()
  campaignId?: string;
}

export const planCampaign = defineCommand({
  name: 'PlanCampaign',
  summary: 'Plan a marketing campaign (CampaignPlanned)',
  http: { method: 'POST', path: '/campaigns', status: 201, tag: 'campaigns' },
  target: 'campaign',
  newRecord: { kind: 'campaign', idField: 'campaignId' },
  permission: 'campaign:write',
  body: PlanCampaignDto,
  response: CampaignResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCampaign(load, {
      type: 'PlanCampaign',
      now: context.now,
      data: {
        campaignId: id,
        name: body.name.trim(),
        channel: body.channel,
        startsAt: new Date(body.startsAt).toISOString(),
        ...(body.endsAt !== undefined && { endsAt: new Date(body.endsAt).toISOString() }),
        ...(body.budget !== undefined && {
          budget: { amount: body.budget.amount, currency: body.budget.currency },
        }),
        ...(body.purpose !== undefined && { purpose: body.purpose.trim() }),
      },
    }),
  location: (result) => `/campaigns/${result.campaignId}`,
});
