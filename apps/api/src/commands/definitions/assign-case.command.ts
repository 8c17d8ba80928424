import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnCase } from './decide-on-streams';

export class AssignCaseDto {
  @ApiProperty({ example: 'agent-7', description: 'the support agent who works the case' })
  @IsText(100)
  assigneeId!: string;
}

export const assignCase = defineCommand({
  name: 'AssignCase',
  summary: 'Give a service case to an agent (CaseAssigned)',
  http: { method: 'POST', path: '/cases/:id/assign', status: 201, tag: 'cases' },
  target: 'case',
  permission: 'case:write',
  body: AssignCaseDto,
  response: CaseResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCase(load, {
      type: 'AssignCase',
      now: context.now,
      data: { caseId: id, assigneeId: body.assigneeId.trim() },
    }),
});
