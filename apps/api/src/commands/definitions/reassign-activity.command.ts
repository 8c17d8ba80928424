import { ApiProperty } from '@nestjs/swagger';
import { defineCommand } from '../command-definition';
import { ActivityResponse } from '../command.openapi';
import { IsText } from '../validators';
import { decideOnActivity } from './decide-on-streams';

export class ReassignActivityDto {
  @ApiProperty({ example: 'rep-9', description: 'whose agenda it goes on' })
  @IsText(100)
  ownerId!: string;
}

export const reassignActivity = defineCommand({
  name: 'ReassignActivity',
  summary: "Put a planned activity on another person's agenda (ActivityReassigned)",
  http: { method: 'POST', path: '/activities/:id/assign', status: 201, tag: 'activities' },
  target: 'activity',
  permission: 'activity:write',
  body: ReassignActivityDto,
  response: ActivityResponse,
  decide: ({ id, body, context }, { load }) =>
    decideOnActivity(load, {
      type: 'ReassignActivity',
      now: context.now,
      data: { activityId: id, ownerId: body.ownerId.trim() },
    }),
});
