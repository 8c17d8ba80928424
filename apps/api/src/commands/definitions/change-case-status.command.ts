import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { SETTABLE_CASE_STATUSES, type SettableCaseStatus } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { decideOnCase } from './decide-on-streams';

export class ChangeCaseStatusDto {
  @ApiProperty({
    enum: SETTABLE_CASE_STATUSES,
    description: 'waiting-on-customer stops the SLA clock until the case is in progress again',
  })
  @IsIn(SETTABLE_CASE_STATUSES)
  status!: SettableCaseStatus;
}

export const changeCaseStatus = defineCommand({
  name: 'ChangeCaseStatus',
  summary: 'Mark a case in progress or waiting on the customer (CaseStatusChanged)',
  http: { method: 'POST', path: '/cases/:id/status', status: 201, tag: 'cases' },
  target: 'case',
  permission: 'case:write',
  body: ChangeCaseStatusDto,
  response: CaseResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnCase(load, {
      type: 'ChangeCaseStatus',
      now: context.now,
      data: { caseId: id, status: body.status },
    }),
});
