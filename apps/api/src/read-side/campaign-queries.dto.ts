import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { IsIsoCurrency } from '../commands/validators';
import { PageLimitQuery } from './query.dto';

const CAMPAIGN_STATUSES = ['planned', 'launched', 'closed'] as const;
const CURSOR_MESSAGE = 'cursor must be the nextCursor of a previous page';

export class CampaignListQuery extends PageLimitQuery {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: (typeof CAMPAIGN_STATUSES)[number];

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[0-9a-f-]{36}$/i, { message: CURSOR_MESSAGE })
  cursor?: string;
}

export class CampaignAnalyticsQuery extends CampaignListQuery {
  @ApiPropertyOptional({ description: 'ISO 4217; defaults to CRM_DEFAULT_CURRENCY' })
  @IsOptional()
  @IsIsoCurrency()
  currency?: string;
}

export class SourceAnalyticsQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: 'ISO 4217; defaults to CRM_DEFAULT_CURRENCY' })
  @IsOptional()
  @IsIsoCurrency()
  currency?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,600}$/, { message: CURSOR_MESSAGE })
  cursor?: string;
}
