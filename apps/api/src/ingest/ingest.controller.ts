import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { header, type HttpRequestLike } from '@rapport/platform';
import { respond, type CommandResponseBody } from '../commands/command-response';
import { CommandResponse } from '../commands/command.openapi';
import { Allow } from '../http/access.decorators';
import { IngestMessageDto } from './ingest.dto';
import { IngestService } from './ingest.service';

@ApiTags('ingest')
@Controller('ingest')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** The body is validated by IngestService (the same path as Kafka), not by the global pipe. */
  @Post()
  @HttpCode(201)
  @Allow('ingest:write')
  @ApiOperation({ summary: 'Execute a command sent by an internal system (same as crm.ingest)' })
  @ApiBody({ type: IngestMessageDto })
  @ApiCreatedResponse({ type: CommandResponse })
  async execute(
    @Body() body: unknown,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody & Record<string, unknown>> {
    return respond(
      reply,
      await this.ingest.execute(
        body,
        request.rapport!.principal!.actor,
        header(request, 'traceparent'),
      ),
    );
  }
}
