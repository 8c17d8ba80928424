import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsObject, IsUUID, Matches, Min } from 'class-validator';
import { INGEST_COMMANDS, type IngestCommandType, type IngestMessage } from '@rapport/contracts';
import { Omittable } from '../commands/validators';

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

  @ApiProperty({ description: 'the body of the matching HTTP command' })
  @IsObject()
  data!: Record<string, unknown>;
}
