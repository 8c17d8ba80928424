import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsUUID, Matches, MaxLength, ValidateIf } from 'class-validator';
import {
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  type ContactChannel,
  type ContactDirection,
} from '@rapport/domain';
import { IsText, IsIsoDateTime, Omittable } from '../validators';

const PHONE = /^\+?[0-9][0-9 ()./-]{3,30}$/;

export class CreateLeadDto {
  @ApiProperty({ example: 'Ada Lovelace', description: 'personal data: stored encrypted' })
  @IsText(200)
  name!: string;

  @ApiProperty({ example: 'trade-fair', description: 'where the lead came from' })
  @IsText(100)
  source!: string;

  @ApiPropertyOptional({ example: 'ada@example.com', description: 'personal data' })
  @Omittable()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0958', description: 'personal data' })
  @Omittable()
  @Matches(PHONE, { message: 'phone must be a phone number such as +44 20 7946 0958' })
  phone?: string;

  @ApiPropertyOptional({ example: 'Analytical Engines Ltd' })
  @Omittable()
  @IsText(200)
  company?: string;

  @ApiPropertyOptional({ example: 'rep-7', description: 'the account owner (sales rep id)' })
  @Omittable()
  @IsText(100)
  ownerId?: string;

  @ApiPropertyOptional({ description: 'choose the id yourself (UUID); generated otherwise' })
  @Omittable()
  @IsUUID()
  customerId?: string;
}

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

  @ApiPropertyOptional({
    example: '2026-03-01T10:00:00Z',
    description: 'defaults to now; not in the future',
  })
  @Omittable()
  @IsIsoDateTime()
  occurredAt?: string;
}

export class ChurnCustomerDto {
  @ApiProperty({ example: 'moved to a competitor' })
  @IsText(500)
  reason!: string;
}

export class SetConsentDto {
  @ApiProperty({ example: 'marketing' })
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, {
    message: 'purpose must be a short identifier such as marketing or profiling',
  })
  purpose!: string;

  @ApiProperty()
  @IsBoolean()
  granted!: boolean;
}

export class AssignOwnerDto {
  @ApiProperty({ example: 'rep-9' })
  @IsText(100)
  ownerId!: string;
}

export class EraseCustomerDto {
  @ApiProperty({ example: 'GDPR art. 17 request of 2026-03-01' })
  @IsText(500)
  reason!: string;
}

/** A correction of the profile: only the fields given change; null removes an optional one. */
export class CorrectProfileDto {
  @ApiPropertyOptional({ description: 'personal data' })
  @Omittable()
  @IsText(200)
  name?: string;

  @ApiPropertyOptional({ nullable: true, description: 'personal data; null removes it' })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'personal data; null removes it' })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @Matches(PHONE, { message: 'phone must be a phone number such as +44 20 7946 0958' })
  phone?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Omittable()
  @ValidateIf((_, value) => value !== null)
  @IsText(200)
  company?: string | null;
}
