import { ApiPropertyOptional } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { IsPositiveAmount, Omittable } from '../validators';
import { decideOnDeal } from './decide-on-streams';

export class WinDealDto {
  @ApiPropertyOptional({
    example: 1150,
    description: 'the final amount; defaults to the quoted one',
  })
  @Omittable()
  @IsPositiveAmount()
  amount?: number;
}

export const winDeal = defineCommand({
  name: 'WinDeal',
  summary: "Win a deal (DealWon, + CustomerConverted on a lead's first win)",
  http: { method: 'POST', path: '/deals/:id/won', status: 201, tag: 'deals' },
  target: 'deal',
  permission: 'deal:write',
  body: WinDealDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnDeal(load, {
      type: 'WinDeal',
      now: context.now,
      data: { dealId: id, ...(body.amount !== undefined && { amount: body.amount }) },
    }),
});
