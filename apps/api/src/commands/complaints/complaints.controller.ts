import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow } from '../../http/access.decorators';
import { CommandCtx, type CommandContext } from '../command-context';
import { respond, type CommandResponseBody } from '../command-response';
import { ComplaintResponse, IdempotencyHeaders } from '../command.openapi';
import { ComplaintId } from '../record-id.pipe';
import { ResolveComplaintDto } from './complaint.dto';
import { ResolveComplaintCommand } from './complaint.handlers';

@ApiTags('commands: complaints')
@IdempotencyHeaders()
@Controller('complaints')
export class ComplaintsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/resolve')
  @HttpCode(201)
  @Allow('complaint:write')
  @ApiOperation({ summary: 'Resolve a complaint once (ComplaintResolved)' })
  @ApiCreatedResponse({ type: ComplaintResponse })
  async resolve(
    @Param('id', ComplaintId) complaintId: string,
    @Body() body: ResolveComplaintDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new ResolveComplaintCommand(complaintId, body, context)),
    );
  }
}
