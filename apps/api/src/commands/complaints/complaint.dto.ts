import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsUUID, Max, Min } from 'class-validator';
import {
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  type ComplaintSeverity,
  type ContactChannel,
} from '@rapport/domain';
import { IsText, Omittable } from '../validators';

export class RaiseComplaintDto {
  @ApiProperty({ example: 'billing' })
  @IsText(100)
  category!: string;

  @ApiProperty({
    enum: COMPLAINT_SEVERITIES,
    description: 'critical complaints are escalated at once',
  })
  @IsIn(COMPLAINT_SEVERITIES)
  severity!: ComplaintSeverity;

  @ApiProperty({ example: 'Charged twice for March', description: 'free text, stored encrypted' })
  @IsText(10_000)
  description!: string;

  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @Omittable()
  @IsIn(CONTACT_CHANNELS)
  channel?: ContactChannel;

  @ApiPropertyOptional({ description: 'choose the id yourself (UUID); generated otherwise' })
  @Omittable()
  @IsUUID()
  complaintId?: string;
}

export class ResolveComplaintDto {
  @ApiProperty({
    example: 'Refunded the second charge',
    description: 'free text, stored encrypted',
  })
  @IsText(10_000)
  resolution!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: "the client's satisfaction" })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(5)
  satisfaction?: number;
}
