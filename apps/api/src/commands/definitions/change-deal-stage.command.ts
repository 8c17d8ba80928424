import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { OPEN_DEAL_STAGES, type DealStage } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { decideOnDeal } from './decide-on-streams';

export class ChangeDealStageDto {
  @ApiProperty({ enum: OPEN_DEAL_STAGES })
  @IsIn(OPEN_DEAL_STAGES)
  stage!: DealStage;
}

export const changeDealStage = defineCommand({
  name: 'ChangeDealStage',
  summary: 'Move an open deal to another stage (DealStageChanged)',
  http: { method: 'POST', path: '/deals/:id/stage', status: 201, tag: 'deals' },
  target: 'deal',
  permission: 'deal:write',
  body: ChangeDealStageDto,
  decide: ({ id, body, context }, { load }) =>
    decideOnDeal(load, {
      type: 'ChangeDealStage',
      now: context.now,
      data: { dealId: id, stage: body.stage },
    }),
});
