import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsUUID, Matches, MaxLength } from 'class-validator';
import { defineCommand } from '../command-definition';
import {
  ChosenId,
  IsText,
  Omittable,
  OptionalOwner,
  PHONE_MESSAGE,
  PHONE_PATTERN,
} from '../validators';
import { requireCampaignToAttribute } from './decide-on-campaign';
import { decideOnCustomer } from './decide-on-streams';

export class CreateLeadDto {
  @ApiProperty({ example: 'Ada Lovelace', description: 'personal data: stored encrypted' })
  @IsText(200)
  name!: string;

  @ApiProperty({ example: 'trade-fair', description: 'where the lead came from' })
  @IsText(100)
  source!: string;

  @ApiPropertyOptional({ example: 'ada@example.com', description: 'personal data' })
  @Omittable()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958', description: 'personal data' })
  @Omittable()
  @Matches(PHONE_PATTERN, { message: PHONE_MESSAGE })
  phone?: string;

  @ApiPropertyOptional({ example: 'Analytical Engines Ltd' })
  @Omittable()
  @IsText(200)
  company?: string;

  @OptionalOwner('the account owner (sales rep id)')
  ownerId?: string;

  @ApiPropertyOptional({ description: 'the campaign the lead came from (attribution)' })
  @Omittable()
  @IsUUID()
  campaignId?: string;

  @ChosenId()
  customerId?: string;
}

export const createLead = defineCommand({
  name: 'CreateLead',
  summary: 'Create a lead (LeadCreated)',
  http: { method: 'POST', path: '/customers', status: 201, tag: 'customers' },
  target: 'customer',
  newRecord: { kind: 'customer', idField: 'customerId' },
  permission: 'customer:create',
  body: CreateLeadDto,
  createsKey: true,
  decide: async ({ id, body, context }, { load, seal }) => {
    const campaignId = body.campaignId?.toLowerCase();
    await requireCampaignToAttribute(load, campaignId);
    return decideOnCustomer(load, id, {
      type: 'CreateLead',
      now: context.now,
      data: {
        customerId: id,
        name: seal(body.name.trim()),
        ...(body.email !== undefined && { email: seal(body.email.trim()) }),
        ...(body.phone !== undefined && { phone: seal(body.phone.trim()) }),
        ...(body.company !== undefined && { company: body.company.trim() }),
        source: body.source.trim(),
        ...(body.ownerId !== undefined && { ownerId: body.ownerId.trim() }),
        ...(campaignId !== undefined && { campaignId }),
      },
    });
  },
  location: (result) => `/customers/${result.customerId}`,
});
