import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CASE_KINDS, CASE_STATUSES, type CaseKind, type CaseStatus } from '@rapport/domain';
import { IsText, UUID_PATTERN } from '../commands/validators';
import { PageLimitQuery, ReadYourWritesQuery } from '../read-side/query.dto';

const CURSOR = /^[A-Za-z0-9_-]{1,600}$/;
/** A day (YYYY-MM-DD) or a month (YYYY-MM). */
const MONTH_OR_DAY = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;

export class CaseQueueQuery extends PageLimitQuery {
  @ApiPropertyOptional({
    enum: CASE_STATUSES,
    description: 'without it: every case still open (open, in-progress, waiting-on-customer)',
  })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional({ enum: CASE_KINDS })
  @IsOptional()
  @IsIn(CASE_KINDS)
  kind?: CaseKind;

  @ApiPropertyOptional({ description: "one agent's cases" })
  @IsOptional()
  @IsText(100)
  assigneeId?: string;

  @ApiPropertyOptional({ description: "one client's cases" })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'customerId must be a client id (UUID)' })
  customerId?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'true: past an SLA target (recorded or not yet); false: the others',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class ServiceAnalyticsQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({
    description:
      'first month of opening, YYYY-MM (a day YYYY-MM-DD counts as its month); default: 11 months before `to`',
    example: '2026-01',
  })
  @IsOptional()
  @Matches(MONTH_OR_DAY, { message: 'from must be a month YYYY-MM or a day YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({
    description: 'last month of opening, YYYY-MM or YYYY-MM-DD (inclusive); default: this month',
    example: '2026-12',
  })
  @IsOptional()
  @Matches(MONTH_OR_DAY, { message: 'to must be a month YYYY-MM or a day YYYY-MM-DD' })
  to?: string;
}
