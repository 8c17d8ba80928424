import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { IsText } from '../validators';
import { decideOnDeal } from './decide-on-streams';

export class LoseDealDto {
  @ApiProperty({ example: 'price' })
  @IsText(500)
  reason!: string;
}

export const loseDeal = defineCommand({
  name: 'LoseDeal',
  summary: 'Lose a deal (DealLost)',
  http: { method: 'POST', path: '/deals/:id/lost', status: 201, tag: 'deals' },
  target: 'deal',
  permission: 'deal:write',
  body: LoseDealDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnDeal(load, {
      type: 'LoseDeal',
      now: context.now,
      data: { dealId: id, reason: body.reason.trim() },
    }),
});
