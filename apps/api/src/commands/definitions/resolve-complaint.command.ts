import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { defineCommand } from '../command-definition';
import { ComplaintResponse } from '../command.openapi';
import { IsText, Omittable } from '../validators';
import { decideOnComplaint } from './decide-on-streams';

export class ResolveComplaintDto {
  @ApiProperty({
    example: 'Refunded the second charge',
    description: 'free text, stored encrypted',
  })
  @IsText(10_000)
  resolution!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: "the client's satisfaction" })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(5)
  satisfaction?: number;
}

export const resolveComplaint = defineCommand({
  name: 'ResolveComplaint',
  summary: 'Resolve a complaint once (ComplaintResolved)',
  http: { method: 'POST', path: '/complaints/:id/resolve', status: 201, tag: 'complaints' },
  target: 'complaint',
  permission: 'complaint:write',
  body: ResolveComplaintDto,
  response: ComplaintResponse,
  decide: ({ id, body, context }, { load, seal }) =>
    decideOnComplaint(load, {
      type: 'ResolveComplaint',
      now: context.now,
      data: {
        complaintId: id,
        resolution: seal(body.resolution),
        ...(body.satisfaction !== undefined && { satisfaction: body.satisfaction }),
      },
    }),
});
