import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { CASE_OUTCOMES, type CaseOutcome } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { IsText, Omittable } from '../validators';
import { decideOnCase } from './decide-on-streams';

export class ResolveCaseDto {
  @ApiProperty({ example: 'Replaced the hinge', description: 'free text, stored encrypted' })
  @IsText(10_000)
  resolution!: string;

  @ApiProperty({ enum: CASE_OUTCOMES })
  @IsIn(CASE_OUTCOMES)
  outcome!: CaseOutcome;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: "the client's satisfaction" })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(5)
  satisfaction?: number;
}

export const resolveCase = defineCommand({
  name: 'ResolveCase',
  summary:
    'Resolve a case with its outcome (CaseResolved; ComplaintResolved for a complaint); again only after a reopening',
  http: { method: 'POST', path: '/cases/:id/resolve', status: 201, tag: 'cases' },
  target: 'case',
  permission: 'case:write',
  body: ResolveCaseDto,
  response: CaseResponse,
  decide: ({ id, body, context }, { load, seal }) =>
    decideOnCase(load, {
      type: 'ResolveCase',
      now: context.now,
      data: {
        caseId: id,
        resolution: seal(body.resolution),
        outcome: body.outcome,
        ...(body.satisfaction !== undefined && { satisfaction: body.satisfaction }),
      },
    }),
});
