import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import {
  CASE_SEVERITIES,
  CONTACT_CHANNELS,
  REQUEST_TYPES,
  type CaseSeverity,
  type ContactChannel,
  type RequestType,
} from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { CaseResponse } from '../command.openapi';
import { ChosenId, IsText, Omittable } from '../validators';
import { decideOnCase } from './decide-on-streams';

export class OpenServiceRequestDto {
  @ApiProperty({ enum: REQUEST_TYPES })
  @IsIn(REQUEST_TYPES)
  type!: RequestType;

  @ApiProperty({ example: 'Hinge broken', description: 'free text, stored encrypted' })
  @IsText(300)
  subject!: string;

  @ApiProperty({
    example: 'The door hinge broke after two weeks',
    description: 'free text, stored encrypted',
  })
  @IsText(10_000)
  description!: string;

  @ApiPropertyOptional({
    enum: CASE_SEVERITIES,
    default: 'medium',
    description: 'sets the SLA targets (CRM_SLA_TARGETS)',
  })
  @Omittable()
  @IsIn(CASE_SEVERITIES)
  severity?: CaseSeverity;

  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @Omittable()
  @IsIn(CONTACT_CHANNELS)
  channel?: ContactChannel;

  @ApiPropertyOptional({ example: 'SKU-4711', description: 'the product concerned' })
  @Omittable()
  @IsText(100)
  productRef?: string;

  @ChosenId()
  caseId?: string;
}

export const openServiceRequest = defineCommand({
  name: 'OpenServiceRequest',
  summary: 'Open a service request: a case with SLA deadlines (ServiceRequestOpened)',
  http: { method: 'POST', path: '/customers/:id/requests', status: 201, tag: 'cases' },
  target: 'customer',
  newRecord: { kind: 'case', idField: 'caseId' },
  permission: 'case:write',
  body: OpenServiceRequestDto,
  response: CaseResponse,
  decide: ({ id, newId, body, context }, { load, seal, slaTargets }) => {
    const severity = body.severity ?? 'medium';
    return decideOnCase(load, {
      type: 'OpenServiceRequest',
      now: context.now,
      data: {
        caseId: newId,
        customerId: id,
        requestType: body.type,
        subject: seal(body.subject),
        description: seal(body.description),
        severity,
        ...(body.channel !== undefined && { channel: body.channel }),
        ...(body.productRef !== undefined && { productRef: body.productRef.trim() }),
        sla: slaTargets[severity],
      },
    });
  },
  location: (result) => `/cases/${result.caseId}`,
});
