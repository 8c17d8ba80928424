import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { ActivityResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnActivity } from './decide-on-streams';

export class CancelActivityDto {
  @ApiProperty({ example: 'the client postponed the project' })
  @IsText(500)
  reason!: string;
}

export const cancelActivity = defineCommand({
  name: 'CancelActivity',
  summary: 'Call off a planned activity (ActivityCancelled)',
  http: { method: 'POST', path: '/activities/:id/cancel', status: 201, tag: 'activities' },
  target: 'activity',
  permission: 'activity:write',
  body: CancelActivityDto,
  response: ActivityResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnActivity(load, {
      type: 'CancelActivity',
      now: context.now,
      data: { activityId: id, reason: body.reason.trim() },
    }),
});
