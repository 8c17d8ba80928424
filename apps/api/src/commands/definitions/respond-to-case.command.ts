import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnCase } from './decide-on-streams';

export class RespondToCaseDto {
  @ApiProperty({
    example: 'We are sending a replacement hinge today',
    description: 'free text, stored encrypted',
  })
  @IsText(10_000)
  message!: string;
}

export const respondToCase = defineCommand({
  name: 'RespondToCase',
  summary:
    'Answer the client on a case; the first answer stops the first-response clock (CaseResponded)',
  http: { method: 'POST', path: '/cases/:id/respond', status: 201, tag: 'cases' },
  target: 'case',
  permission: 'case:write',
  body: RespondToCaseDto,
  response: CaseResponse,
  decide: ({ id, body, context }, { load, seal }) =>
    decideOnCase(load, {
      type: 'RespondToCase',
      now: context.now,
      data: { caseId: id, message: seal(body.message) },
    }),
});
