import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { CONTACT_OUTCOMES, type ContactOutcome } from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { ActivityResponse } from '../command.openapi';
import { IsIsoDateTime, IsText, Omittable } from '../validators';
import { decideOnActivity } from './decide-on-streams';

export class CompleteActivityDto {
  @ApiProperty({ enum: CONTACT_OUTCOMES })
  @IsIn(CONTACT_OUTCOMES)
  outcome!: ContactOutcome;

  @ApiPropertyOptional({ description: 'free text, stored encrypted' })
  @Omittable()
  @IsText(10_000)
  notes?: string;

  @ApiPropertyOptional({
    example: '2026-03-01T10:00:00Z',
    description: 'when it was done; defaults to now; not in the future',
  })
  @Omittable()
  @IsIsoDateTime()
  occurredAt?: string;
}

export const completeActivity = defineCommand({
  name: 'CompleteActivity',
  summary:
    'Record that a planned activity was done (ActivityCompleted, + ContactLogged for a call, e-mail, meeting or visit)',
  http: { method: 'POST', path: '/activities/:id/complete', status: 201, tag: 'activities' },
  target: 'activity',
  permission: 'activity:write',
  body: CompleteActivityDto,
  response: ActivityResponse,
  decide: ({ id, newId, body, context }, { load, seal }) =>
    decideOnActivity(load, {
      type: 'CompleteActivity',
      now: context.now,
      data: {
        activityId: id,
        outcome: body.outcome,
        ...(body.notes !== undefined && { notes: seal(body.notes) }),
        ...(body.occurredAt !== undefined && {
          occurredAt: new Date(body.occurredAt).toISOString(),
        }),
        contactId: newId,
      },
    }),
});
