import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { ActivityResponse } from '../command.openapi';
import { IsIsoDateTime, IsText, Omittable } from '../validators';
import { decideOnActivity } from './decide-on-streams';

export class RescheduleActivityDto {
  @ApiProperty({
    example: '2026-03-09T14:00:00+01:00',
    description: 'the new due time, with a zone',
  })
  @IsIsoDateTime()
  dueAt!: string;

  @ApiPropertyOptional({ example: 'the client asked for next week' })
  @Omittable()
  @IsText(500)
  reason?: string;
}

export const rescheduleActivity = defineCommand({
  name: 'RescheduleActivity',
  summary: 'Move a planned activity to another time (ActivityRescheduled)',
  http: { method: 'POST', path: '/activities/:id/reschedule', status: 201, tag: 'activities' },
  target: 'activity',
  permission: 'activity:write',
  body: RescheduleActivityDto,
  response: ActivityResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnActivity(load, {
      type: 'RescheduleActivity',
      now: context.now,
      data: {
        activityId: id,
        dueAt: new Date(body.dueAt).toISOString(),
        ...(body.reason !== undefined && { reason: body.reason.trim() }),
      },
    }),
});
