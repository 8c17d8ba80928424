import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import {
  CAMPAIGN_RESPONSES,
  campaignDecider,
  campaignStreamId,
  customerDecider,
  customerStreamId,
  decideCampaignResponseWithCustomer,
  requireCampaign,
  type CampaignResponse as CampaignResponseKind,
} from '@rapport/domain';
import { campaignResponseGraceDays } from '@rapport/platform';
import { defineCommand } from '../command-definition';
import { decided } from '../command-executor';
import { CampaignResponse } from '../command.openapi';
import { IsIsoDateTime, Omittable } from '../validators';

export class RecordCampaignResponseDto {
  @ApiProperty({ description: 'the member (client id)' })
  @IsUUID()
  customerId!: string;

  @ApiProperty({ enum: CAMPAIGN_RESPONSES })
  @IsIn(CAMPAIGN_RESPONSES)
  response!: CampaignResponseKind;

  @ApiPropertyOptional({
    example: '2027-03-02T10:00:00Z',
    description: 'when it happened; defaults to now; not in the future',
  })
  @Omittable()
  @IsIsoDateTime()
  occurredAt?: string;
}

export const recordCampaignResponse = defineCommand({
  name: 'RecordCampaignResponse',
  summary:
    "Record a member's response (CampaignResponseRecorded; + ConsentRevoked for the campaign's purpose on unsubscribed)",
  http: { method: 'POST', path: '/campaigns/:id/responses', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: RecordCampaignResponseDto,
  response: CampaignResponse,
  decide: async ({ id, body, context }, { load }) => {
    const campaign = await load(campaignDecider, campaignStreamId(id));
    requireCampaign(campaign.state, id);
    const customerId = body.customerId.toLowerCase();
    const customer = await load(customerDecider, customerStreamId(customerId));
    const decision = decideCampaignResponseWithCustomer(
      {
        type: 'RecordCampaignResponse',
        now: context.now,
        data: {
          campaignId: id,
          customerId,
          response: body.response,
          ...(body.occurredAt !== undefined && {
            occurredAt: new Date(body.occurredAt).toISOString(),
          }),
          graceDays: campaignResponseGraceDays(),
        },
      },
      campaign.state,
      customer.state,
    );
    // Both streams in one atomic append: the response and, for an unsubscribe, the revocation.
    return {
      customerId,
      primary: decided(campaign, decision.campaign),
      others: [decided(customer, decision.customer)],
    };
  },
});
