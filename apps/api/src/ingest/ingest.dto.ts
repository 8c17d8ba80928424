import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsUUID, Matches, Min } from 'class-validator';
import { INGEST_COMMANDS, type IngestCommandType, type IngestMessage } from '@rapport/contracts';
import { IsIsoDateTime, Omittable } from '../commands/validators';

/** The ingest envelope (see libs/contracts IngestMessage and docs/asyncapi.yaml). */
export class IngestMessageDto implements IngestMessage {
  @ApiProperty({ enum: INGEST_COMMANDS })
  @IsIn(INGEST_COMMANDS)
  command!: IngestCommandType;

  @ApiProperty({ description: 'a retry with the same key records nothing new' })
  @Matches(/^[\x21-\x7e]{1,200}$/, {
    message: 'idempotencyKey must be 1 to 200 printable ASCII characters',
  })
  idempotencyKey!: string;

  @ApiProperty({ example: 'billing', description: 'the sending system' })
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/i, {
    message: 'system must be a short identifier such as billing',
  })
  system!: string;

  @ApiPropertyOptional({ description: 'customerId, dealId or complaintId, as the command needs' })
  @Omittable()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional()
  @Omittable()
  @Matches(/^[\w.:@/-]{1,128}$/, { message: 'correlationId must be up to 128 safe characters' })
  correlationId?: string;

  @ApiPropertyOptional({ description: 'like If-Match' })
  @Omittable()
  @IsInt()
  @Min(-1)
  expectedRevision?: number;

  @ApiPropertyOptional({
    example: '2019-04-01T09:30:00Z',
    description:
      'business time: when the command happened (imports); service role only; not in the future',
  })
  @Omittable()
  @IsIsoDateTime()
  occurredAt?: string;

  @ApiPropertyOptional({
    example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    description: 'W3C trace context of the sender',
  })
  @Omittable()
  @Matches(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/i, {
    message: 'traceparent must be a W3C traceparent, e.g. 00-<32 hex>-<16 hex>-01',
  })
  traceparent?: string;

  @ApiProperty({ description: 'the body of the matching HTTP command' })
  @IsObject()
  data!: Record<string, unknown>;
}
