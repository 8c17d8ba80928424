import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import {
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_OUTCOMES,
  MAX_DURATION_MINUTES,
  type ContactChannel,
  type ContactDirection,
  type ContactOutcome,
} from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { IsIsoDateTime, IsText, Omittable } from '../validators';
import { decideOnCustomer } from './decide-on-streams';

export class LogContactDto {
  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: ContactChannel;

  @ApiProperty({ enum: CONTACT_DIRECTIONS })
  @IsIn(CONTACT_DIRECTIONS)
  direction!: ContactDirection;

  @ApiProperty({ example: 'Renewal call', description: 'stored encrypted' })
  @IsText(500)
  subject!: string;

  @ApiPropertyOptional({ description: 'free text, stored encrypted' })
  @Omittable()
  @IsText(10_000)
  notes?: string;

  @ApiPropertyOptional({ enum: CONTACT_OUTCOMES, description: 'how the contact went' })
  @Omittable()
  @IsIn(CONTACT_OUTCOMES)
  outcome?: ContactOutcome;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_DURATION_MINUTES, example: 15 })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(MAX_DURATION_MINUTES)
  durationMinutes?: number;

  @ApiPropertyOptional({
    example: '2026-03-01T10:00:00Z',
    description: 'defaults to now; not in the future',
  })
  @Omittable()
  @IsIsoDateTime()
  occurredAt?: string;
}

export const logContact = defineCommand({
  name: 'LogContact',
  summary: 'Log a contact on any channel, with its outcome and duration (ContactLogged)',
  http: { method: 'POST', path: '/customers/:id/contacts', status: 201, tag: 'customers' },
  target: 'customer',
  permission: 'customer:contact',
  body: LogContactDto,
  decide: ({ id, newId, body, context }, { load, seal }) =>
    decideOnCustomer(load, id, {
      type: 'LogContact',
      now: context.now,
      data: {
        customerId: id,
        contactId: newId,
        channel: body.channel,
        direction: body.direction,
        subject: seal(body.subject),
        ...(body.notes !== undefined && { notes: seal(body.notes) }),
        ...(body.outcome !== undefined && { outcome: body.outcome }),
        ...(body.durationMinutes !== undefined && { durationMinutes: body.durationMinutes }),
        ...(body.occurredAt !== undefined && {
          occurredAt: new Date(body.occurredAt).toISOString(),
        }),
      },
    }),
});
