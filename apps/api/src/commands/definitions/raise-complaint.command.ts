import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import {
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  type ComplaintSeverity,
  type ContactChannel,
} from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { ComplaintResponse } from '../command.openapi';
import { ChosenId, IsText, Omittable } from '../validators';
import { decideOnComplaint } from './decide-on-streams';

export class RaiseComplaintDto {
  @ApiProperty({ example: 'billing' })
  @IsText(100)
  category!: string;

  @ApiProperty({
    enum: COMPLAINT_SEVERITIES,
    description: 'critical complaints are escalated at once',
  })
  @IsIn(COMPLAINT_SEVERITIES)
  severity!: ComplaintSeverity;

  @ApiProperty({ example: 'Charged twice for March', description: 'free text, stored encrypted' })
  @IsText(10_000)
  description!: string;

  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @Omittable()
  @IsIn(CONTACT_CHANNELS)
  channel?: ContactChannel;

  @ChosenId()
  complaintId?: string;
}

export const raiseComplaint = defineCommand({
  name: 'RaiseComplaint',
  summary: 'Raise a complaint (ComplaintRaised, + ComplaintEscalated if critical)',
  http: { method: 'POST', path: '/customers/:id/complaints', status: 201, tag: 'complaints' },
  target: 'customer',
  newRecord: { kind: 'complaint', idField: 'complaintId' },
  permission: 'complaint:write',
  body: RaiseComplaintDto,
  response: ComplaintResponse,
  decide: ({ id, newId, body, context }, { load, seal, slaTargets }) =>
    decideOnComplaint(load, {
      type: 'RaiseComplaint',
      now: context.now,
      data: {
        complaintId: newId,
        customerId: id,
        category: body.category.trim(),
        severity: body.severity,
        description: seal(body.description),
        ...(body.channel !== undefined && { channel: body.channel }),
        sla: slaTargets[body.severity],
      },
    }),
});
