import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsUUID } from 'class-validator';
import { OPEN_DEAL_STAGES, type DealStage } from '@rapport/domain';
import { IsIsoCurrency, IsPositiveAmount, IsText, Omittable } from '../validators';

export class OpenDealDto {
  @ApiProperty({ example: 'Fleet renewal 2027' })
  @IsText(200)
  title!: string;

  @ApiProperty({ example: 1200.5, description: 'greater than 0, in the currency' })
  @IsPositiveAmount()
  amount!: number;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217' })
  @IsIsoCurrency()
  currency!: string;

  @ApiPropertyOptional({ enum: OPEN_DEAL_STAGES, default: 'qualification' })
  @Omittable()
  @IsIn(OPEN_DEAL_STAGES)
  stage?: DealStage;

  @ApiPropertyOptional({ example: 'rep-7' })
  @Omittable()
  @IsText(100)
  ownerId?: string;

  @ApiPropertyOptional({ description: 'choose the id yourself (UUID); generated otherwise' })
  @Omittable()
  @IsUUID()
  dealId?: string;
}

export class ChangeDealStageDto {
  @ApiProperty({ enum: OPEN_DEAL_STAGES })
  @IsIn(OPEN_DEAL_STAGES)
  stage!: DealStage;
}

export class WinDealDto {
  @ApiPropertyOptional({
    example: 1150,
    description: 'the final amount; defaults to the quoted one',
  })
  @Omittable()
  @IsPositiveAmount()
  amount?: number;
}

export class LoseDealDto {
  @ApiProperty({ example: 'price' })
  @IsText(500)
  reason!: string;
}
