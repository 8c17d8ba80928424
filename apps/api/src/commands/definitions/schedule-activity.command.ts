import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { ACTIVITY_KINDS, MAX_DURATION_MINUTES, type ActivityKind } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { ActivityResponse } from '../command.openapi';
import { decideOnActivity } from './decide-on-streams';
import { ChosenId, IsIsoDateTime, IsText, Omittable, OptionalOwner } from '../validators';

export class ScheduleActivityDto {
  @ApiProperty({ enum: ACTIVITY_KINDS })
  @IsIn(ACTIVITY_KINDS)
  kind!: ActivityKind;

  @ApiProperty({ example: 'Call about the renewal', description: 'stored encrypted' })
  @IsText(500)
  subject!: string;

  @ApiProperty({
    example: '2026-03-02T09:30:00+01:00',
    description: 'when it is due (may lie in the future), with a zone',
  })
  @IsIsoDateTime()
  dueAt!: string;

  @OptionalOwner(
    "defaults to the client's owner, else (an ownerless lead) to the person planning it",
  )
  ownerId?: string;

  @ApiPropertyOptional({ description: 'free text, stored encrypted' })
  @Omittable()
  @IsText(10_000)
  notes?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DURATION_MINUTES, example: 30 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_MINUTES)
  durationMinutes?: number;

  @ChosenId()
  activityId?: string;
}

export const scheduleActivity = defineCommand({
  name: 'ScheduleActivity',
  summary:
    'Plan an activity with the client: a call, e-mail, meeting, visit or task (ActivityScheduled)',
  http: { method: 'POST', path: '/customers/:id/activities', status: 201, tag: 'activities' },
  target: 'customer',
  newRecord: { kind: 'activity', idField: 'activityId' },
  permission: 'activity:write',
  body: ScheduleActivityDto,
  response: ActivityResponse,
  decide: ({ id, newId, body, context }, { load, seal }) =>
    decideOnActivity(load, {
      type: 'ScheduleActivity',
      now: context.now,
      data: {
        activityId: newId,
        customerId: id,
        kind: body.kind,
        subject: seal(body.subject),
        ...(body.notes !== undefined && { notes: seal(body.notes) }),
        dueAt: new Date(body.dueAt).toISOString(),
        ...(body.ownerId !== undefined && { ownerId: body.ownerId.trim() }),
        ...(context.actor.kind === 'user' && { plannerId: context.actor.id }),
        ...(body.durationMinutes !== undefined && { durationMinutes: body.durationMinutes }),
      },
    }),
});
