import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { RFM_SEGMENTS, type RfmSegment } from '@rapport/read-models';
import { IsIsoCurrency, IsText } from '../commands/validators';

export class ReadYourWritesQuery {
  @ApiPropertyOptional({
    description:
      'wait up to 5 s until the read model reflects this position (from a command answer)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

/** A page of a list: at most 500 items (every list of the contract), 50 unless asked. */
export class PageLimitQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class ListCustomersQuery extends PageLimitQuery {
  @ApiPropertyOptional({ enum: ['lead', 'customer', 'churned', 'erased'] })
  @IsOptional()
  @IsIn(['lead', 'customer', 'churned', 'erased'])
  status?: 'lead' | 'customer' | 'churned' | 'erased';

  @ApiPropertyOptional()
  @IsOptional()
  @IsText(100)
  ownerId?: string;

  @ApiPropertyOptional({ enum: RFM_SEGMENTS })
  @IsOptional()
  @IsIn(RFM_SEGMENTS)
  segment?: RfmSegment;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  // A client id, or with `segment` a key of the segment's index (frequency|last win|id).
  @Matches(/^[0-9A-Za-z|:.~-]{1,120}$/, {
    message: 'cursor must be the nextCursor of a previous page',
  })
  cursor?: string;
}

export class CurrencyQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ description: 'ISO 4217; defaults to CRM_DEFAULT_CURRENCY' })
  @IsOptional()
  @IsIsoCurrency()
  currency?: string;
}

export class SegmentsQuery extends CurrencyQuery {
  @ApiPropertyOptional({
    description: 'count only clients who consented to this purpose, e.g. marketing',
  })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, {
    message: 'purpose must be a short identifier such as marketing',
  })
  purpose?: string;
}

export class ChurnRiskQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsText(300)
  cursor?: string;
}
