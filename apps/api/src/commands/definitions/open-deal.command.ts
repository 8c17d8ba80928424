import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { OPEN_DEAL_STAGES, type DealStage } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import {
  ChosenId,
  IsIsoCurrency,
  IsPositiveAmount,
  IsText,
  Omittable,
  OptionalOwner,
} from '../validators';
import { requireCampaignToAttribute } from './decide-on-campaign';
import { decideOnDeal } from './decide-on-streams';

export class OpenDealDto {
  @ApiProperty({ example: 'Fleet renewal 2027' })
  @IsText(200)
  title!: string;

  @ApiProperty({ example: 1200.5, description: 'greater than 0, in the currency' })
  @IsPositiveAmount()
  amount!: number;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217' })
  @IsIsoCurrency()
  currency!: string;

  @ApiPropertyOptional({ enum: OPEN_DEAL_STAGES, default: 'qualification' })
  @Omittable()
  @IsIn(OPEN_DEAL_STAGES)
  stage?: DealStage;

  @OptionalOwner("defaults to the client's owner")
  ownerId?: string;

  @ApiPropertyOptional({ description: 'the campaign the deal came from (attribution)' })
  @Omittable()
  @IsUUID()
  campaignId?: string;

  @ChosenId()
  dealId?: string;
}

export const openDeal = defineCommand({
  name: 'OpenDeal',
  summary: 'Open a deal for the client (DealOpened)',
  http: { method: 'POST', path: '/customers/:id/deals', status: 201, tag: 'deals' },
  target: 'customer',
  newRecord: { kind: 'deal', idField: 'dealId' },
  permission: 'deal:write',
  body: OpenDealDto,
  decide: async ({ id, newId, body, context }, { load }) => {
    const campaignId = body.campaignId?.toLowerCase();
    await requireCampaignToAttribute(load, campaignId);
    return decideOnDeal(load, {
      type: 'OpenDeal',
      now: context.now,
      data: {
        dealId: newId,
        customerId: id,
        title: body.title.trim(),
        amount: body.amount,
        currency: body.currency,
        ...(body.stage !== undefined && { stage: body.stage }),
        ...(body.ownerId !== undefined && { ownerId: body.ownerId.trim() }),
        ...(campaignId !== undefined && { campaignId }),
      },
    });
  },
});
