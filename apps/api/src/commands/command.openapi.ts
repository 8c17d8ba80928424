import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

class RecordedEventSummaryDoc {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'LeadCreated' }) type!: string;
  @ApiProperty({ example: 'customer-1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }) streamId!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() position!: number;
}

/** OpenAPI shape of every command answer (see command-result.ts). */
export class CommandResponse {
  @ApiProperty() customerId!: string;
  @ApiPropertyOptional() dealId?: string;
  @ApiProperty({ description: 'revision of the addressed record: send it as If-Match' })
  revision!: number;
  @ApiProperty({ description: 'global position: pass it as minPosition to read your write' })
  position!: number;
  @ApiProperty({ type: [RecordedEventSummaryDoc] }) events!: RecordedEventSummaryDoc[];
}

export class ComplaintResponse extends CommandResponse {
  @ApiProperty() complaintId!: string;
}

export class ActivityResponse extends CommandResponse {
  @ApiProperty() activityId!: string;
}

export class CampaignResponse extends CommandResponse {
  @ApiProperty() campaignId!: string;
}

class SkippedMemberDoc {
  @ApiProperty() customerId!: string;
  @ApiProperty({
    enum: ['unknown', 'erased', 'no-consent', 'consent-revoked', 'already-member', 'duplicate'],
  })
  reason!: string;
}

export class CampaignMembersResponse extends CampaignResponse {
  @ApiProperty({ type: [String] }) added!: string[];
  @ApiProperty({ type: [SkippedMemberDoc] }) skipped!: SkippedMemberDoc[];
}

class ErasureReceiptDoc {
  @ApiProperty() customerId!: string;
  @ApiProperty() erasedAt!: string;
  @ApiProperty() erasedBy!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [String] }) erased!: string[];
  @ApiProperty({ type: [String] }) retained!: string[];
  @ApiProperty() method!: string;
}

export class ErasureResponse extends CommandResponse {
  @ApiProperty({ type: ErasureReceiptDoc }) receipt!: ErasureReceiptDoc;
}

export function IdempotencyHeaders() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'a retry with the same key returns the first answer and records nothing',
    }),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'the revision you last saw; a different current revision answers 409',
    }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiHeader({
      name: 'traceparent',
      required: false,
      description: 'W3C trace context: kept in the events (metadata.traceparent) and continued',
    }),
    ApiBadRequestResponse({ description: 'invalid body: every invalid field is listed' }),
    ApiNotFoundResponse({ description: 'unknown id' }),
    ApiConflictResponse({ description: 'the record state forbids it, or If-Match failed' }),
    ApiUnprocessableEntityResponse({ description: 'a business rule refused a value' }),
  );
}
