import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, registerDecorator } from 'class-validator';
import { isTimeZone } from '@rapport/platform';
import { TIMELINE_KINDS } from '@rapport/read-models';
import { IsText, UUID_PATTERN } from '../commands/validators';
import { PageLimitQuery, ReadYourWritesQuery } from './query.dto';

export const AGENDA_DUE = ['overdue', 'today', 'upcoming'] as const;
export type AgendaDue = (typeof AGENDA_DUE)[number];

/** Opaque page cursors are base64url text (see page-cursor.ts). */
const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;
const KINDS = new RegExp(`^(${TIMELINE_KINDS.join('|')})(,(${TIMELINE_KINDS.join('|')}))*$`);

function IsTimeZone() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an IANA time zone such as Europe/Berlin` },
      validator: { validate: (value: unknown) => typeof value === 'string' && isTimeZone(value) },
    });
}

class PageQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class AgendaQuery extends PageQuery {
  @ApiPropertyOptional({
    description: "whose agenda; sales may only ask for their own (default: the caller's)",
  })
  @IsOptional()
  @IsText(100)
  ownerId?: string;

  @ApiPropertyOptional({ description: "one client's open activities" })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'customerId must be a client id (UUID)' })
  customerId?: string;

  @ApiPropertyOptional({
    enum: AGENDA_DUE,
    description:
      'overdue: due before now; today: due from now to the end of today; upcoming: after ' +
      'today. Without it: every open activity',
  })
  @IsOptional()
  @IsIn(AGENDA_DUE)
  due?: AgendaDue;

  @ApiPropertyOptional({
    description: 'IANA time zone of "today" (default CRM_TIME_ZONE, itself UTC by default)',
  })
  @IsOptional()
  @IsTimeZone()
  tz?: string;
}

export class TimelineQuery extends PageQuery {
  @ApiPropertyOptional({
    description: `comma-separated kinds of entries: ${TIMELINE_KINDS.join(', ')} (default: all)`,
  })
  @IsOptional()
  @Matches(KINDS, {
    message: `kinds must be a comma-separated list of ${TIMELINE_KINDS.join(', ')}`,
  })
  kinds?: string;
}

export class ActivityAnalyticsQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ description: "one owner's figures; sales may only ask for their own" })
  @IsOptional()
  @IsText(100)
  ownerId?: string;
}
