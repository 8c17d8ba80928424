import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnCase } from './decide-on-streams';

export class ReopenCaseDto {
  @ApiProperty({ example: 'The hinge broke again', description: 'free text, stored encrypted' })
  @IsText(2_000)
  reason!: string;
}

export const reopenCase = defineCommand({
  name: 'ReopenCase',
  summary: 'Reopen a resolved case; its resolution clock starts again (CaseReopened)',
  http: { method: 'POST', path: '/cases/:id/reopen', status: 201, tag: 'cases' },
  target: 'case',
  permission: 'case:write',
  body: ReopenCaseDto,
  response: CaseResponse,
  decide: ({ id, body, context }, { load, seal }) =>
    decideOnCase(load, {
      type: 'ReopenCase',
      now: context.now,
      data: { caseId: id, reason: seal(body.reason) },
    }),
});
